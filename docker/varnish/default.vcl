# The front cache (docs/frontcache.md): Varnish in front of the app, keeping the
# anonymous answers the app marks public, for as long as their Cache-Control says,
# and dropping them by tag when events say what they show changed.
#
# Rules, in the order a request meets them:
#   - PURGE from an allowed client (acl purgers), with `xkey-purge: <tags>` (or
#     `xkey-softpurge`): every object tagged with one of the tags is dropped (made
#     stale). Tags are the resource names of the app's `xkey` header (claim:12
#     metric:3 all-claims), which xkey indexes; the app's purge job sends these.
#   - Only GET and HEAD are looked up; every other method goes to the app (pass).
#   - Signed-in requests are never answered from the cache nor stored: an
#     Authorization header, or a session, flash-message or read-your-writes cookie
#     (sessionid, messages, factcheck_wrote) is a pass.
#   - Other cookies (analytics, csrftoken) are dropped on the cached reads, whose
#     answers the app makes without them (docs/caching.md); a request elsewhere
#     with cookies is a pass.
#   - Normalised as the app's own keys are (docs/caching.md): Host lowercased,
#     query parameters sorted by name (unless a name repeats: the app reads the
#     last value, so ?a=1&a=2 and ?a=2&a=1 differ), Accept's whitespace collapsed;
#     the key holds the URL, the Host and X-Forwarded-Proto (which the app's links
#     follow). X-Forwarded-Host is dropped (the app does not read it).
#   - Stored only when the app says `public` with a max-age, sets no cookie and
#     names its tags in xkey (what cannot be purged is not kept; /static/ aside);
#     fresh for max-age counted from the fetch (the app checked its versions on
#     that very request, whatever its Age says), then served stale for the
#     stale-while-revalidate seconds while it is fetched again, then kept for an
#     hour to be revalidated with If-None-Match (a cheap 304 from the app).
#     Vary (Accept, Authorization, Cookie) is honoured as Varnish always does.
#   - Answers carry X-Front-Cache: hit|miss; the xkey header is not sent on.
#
# The backend below is the compose service `web`; bin/frontcache and the tests
# write a copy naming their own app server.
vcl 4.1;

import std;
import xkey;

backend default {
    .host = "web";
    .port = "8000";
    .connect_timeout = 5s;
    .first_byte_timeout = 60s;
}

# Who may purge: loopback and the private ranges a compose network uses.
acl purgers {
    "127.0.0.1";
    "::1";
    "10.0.0.0"/8;
    "172.16.0.0"/12;
    "192.168.0.0"/16;
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed to purge"));
        }
        if (req.http.xkey-purge) {
            set req.http.purged = xkey.purge(req.http.xkey-purge);
        } elsif (req.http.xkey-softpurge) {
            set req.http.purged = xkey.softpurge(req.http.xkey-softpurge);
        } else {
            return (synth(400, "Name the tags in xkey-purge or xkey-softpurge"));
        }
        return (synth(200, "Purged " + req.http.purged + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization
        || req.http.Cookie ~ "(^|;)\s*(sessionid|messages|factcheck_wrote)=") {
        return (pass);
    }
    if (req.url ~ "^/(\?|$)"
        || req.url ~ "^/claims/[0-9]+/(\?|$)"
        || req.url ~ "^/metrics/[^/?]+/(\?|$)"
        || req.url ~ "^/api/v1/claims/([0-9]+/(claimreview/)?)?(\?|$)"
        || req.url ~ "^/api/v1/metrics/[^/?]+/figures/(\?|$)"
        || req.url ~ "^/api/v1/claimreview/(\?|$)"
        || req.url ~ "^/static/") {
        unset req.http.Cookie;
    } elsif (req.http.Cookie) {
        return (pass);
    }
    unset req.http.X-Forwarded-Host;
    set req.http.Host = std.tolower(req.http.Host);
    if (req.url !~ "[?&]([^=&]+)(=[^&]*)?&(.*&)?\1(=|&|$)") {
        set req.url = std.querysort(req.url);
    }
    if (req.http.Accept) {
        set req.http.Accept = regsuball(req.http.Accept, "\s+", " ");
    }
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    hash_data(req.http.Host);
    hash_data(req.http.X-Forwarded-Proto);
    return (lookup);
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.status != 200 && beresp.status != 304
        || beresp.http.Set-Cookie
        || beresp.http.Cache-Control !~ "(?i)\bpublic\b"
        || beresp.http.Cache-Control !~ "(?i)\bmax-age=[0-9]+"
        || beresp.http.Cache-Control ~ "(?i)(private|no-cache|no-store)"
        || beresp.http.Vary == "*"
        || (!beresp.http.xkey && bereq.url !~ "^/static/")) {
        # Not stored; a request for it goes straight to the app for a while.
        # An answer without tags could not be purged (the events feed, the Atom
        # feed: versioned by feed position, not by resource), so it is not kept:
        # a partner polling the feed through the front cache is never late.
        set beresp.uncacheable = true;
        set beresp.ttl = 60s;
        return (deliver);
    }
    set beresp.ttl = std.duration(
        regsub(beresp.http.Cache-Control, "(?i)^.*\bmax-age=([0-9]+).*$", "\1s"),
        0s);
    if (beresp.http.Cache-Control ~ "(?i)\bstale-while-revalidate=[0-9]+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Cache-Control,
                "(?i)^.*\bstale-while-revalidate=([0-9]+).*$", "\1s"),
            0s);
    } else {
        set beresp.grace = 0s;
    }
    set beresp.keep = 1h;
    return (deliver);
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Front-Cache = "hit";
    } else {
        set resp.http.X-Front-Cache = "miss";
    }
    unset resp.http.xkey;
}
