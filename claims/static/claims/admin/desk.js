/* The claim page's "Already in the database?" panel, updated as the editor types.
 *
 * Asks the match API (POST /api/v1/claims/match/) with the claim's text and the
 * amount as written, a moment after the editor stops typing, and rebuilds the
 * panel's rows as claims/templates/admin/claims/matching/claim_panel.html renders
 * them: each with its one-click actions (buttons that submit the form with
 * match_action; the admin applies them through the services after saving).
 * The change page opens without its matches (#27): they are fetched from the
 * panel's data-panel-url (the admin's <claim>/matches/, JSON rows) once the page
 * is shown; without JavaScript the panel's link reloads the page with them.
 * No framework; text goes in with textContent, never as markup.
 */
function deskMatches() {
  "use strict";
  var panel = document.getElementById("already-in-database");
  if (!panel) {
    return;
  }
  var form = panel.closest("form");
  var table = panel.querySelector("table");
  var body = table.querySelector("tbody");
  var status = panel.querySelector(".desk-matches-status");
  var selfId = panel.dataset.claimId;
  var WAIT_MS = 400;
  var MIN_CHARS = 12;
  var LIMIT = 6;
  var timer = null;
  var asked = 0;

  function field(name) {
    return form.querySelector("[name='" + name + "']");
  }

  function query() {
    var text = field("text") ? field("text").value.trim() : "";
    var amount = field("amount_text") ? field("amount_text").value.trim() : "";
    if (amount && text.indexOf(amount) < 0) {
      text = text + " " + amount;
    }
    return text;
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    if (className) {
      td.className = className;
    }
    if (text !== undefined) {
      td.textContent = text;
    }
    row.appendChild(td);
    return td;
  }

  function button(td, label, value, title) {
    var b = document.createElement("button");
    b.type = "submit";
    b.className = "button";
    b.name = "match_action";
    b.value = value;
    b.textContent = label;
    b.title = title;
    td.appendChild(b);
    td.appendChild(document.createTextNode(" "));
  }

  function shorten(text, size) {
    return text.length > size ? text.slice(0, size - 1) + "…" : text;
  }

  // A match API result as a panel row: the shape claims.admin.matching's
  // claim_panel_rows gives the change page (kind, id, href, text, relation, score,
  // figure, source, status, reasons).
  function rowOfResult(result) {
    if (result.kind === "claim") {
      var claim = result.claim;
      return {
        kind: "claim",
        id: claim.id,
        href: panel.dataset.changeUrl.replace("/0/", "/" + claim.id + "/"),
        text: claim.text,
        relation: result.relation,
        score: result.score,
        figure: claim.figure,
        source: claim.document ? claim.document.title : "",
        status: claim.status,
        reasons: result.reasons,
      };
    }
    var review = result.review || {};
    return {
      kind: "review",
      id: review.id,
      href: review.url,
      text: review.claim_reviewed || "",
      relation: result.relation,
      score: result.score,
      figure: review.figure,
      source: review.publisher ? review.publisher.name : "",
      status: review.rating ? review.rating.as_published : "",
      reasons: result.reasons,
    };
  }

  function rowOf(row) {
    var tr = document.createElement("tr");
    var first = cell(tr, undefined, "desk-match-text");
    var link = document.createElement("a");
    var value = row.id;
    tr.dataset.kind = row.kind;
    tr.dataset.id = row.id;
    link.href = row.href || "";
    if (row.kind === "claim") {
      link.textContent = "#" + row.id;
    } else {
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      link.textContent = "Fact-check";
    }
    first.appendChild(link);
    first.appendChild(document.createTextNode(" " + shorten(row.text || "", 160)));
    var relation = cell(tr);
    var strong = document.createElement("strong");
    strong.className = "desk-relation desk-relation-" + row.relation;
    strong.textContent = row.relation;
    relation.appendChild(strong);
    relation.appendChild(document.createTextNode(" " + Number(row.score).toFixed(2)));
    cell(tr, row.figure || "—");
    cell(tr, (row.source || "") + (row.status ? " · " + row.status : ""));
    cell(tr, (row.reasons || []).join("; "));
    var actions = cell(tr, undefined, "desk-match-actions");
    if (row.kind === "claim") {
      button(actions, "Same claim", "same_claim:" + value,
        "Save this claim and link it as the same claim as #" + value);
      button(actions, "Add as evidence", "evidence:" + value,
        "Save this claim with #" + value + "'s source as evidence");
      button(actions, "Contradicts", "contradicts:" + value,
        "Save this claim and link it as contradicting #" + value);
    } else {
      button(actions, "Add as evidence", "evidence:review:" + value,
        "Save this claim with this fact-check as evidence");
    }
    return tr;
  }

  function show(rows, found, none) {
    rows = rows.filter(function (row) {
      return !(row.kind === "claim" && String(row.id) === selfId);
    });
    body.replaceChildren.apply(body, rows.map(rowOf));
    table.hidden = rows.length === 0;
    status.textContent = rows.length ? found : none;
    panel.dataset.state = "ready";
  }

  // The change page comes without its matches (they cost a search): ask for
  // them once the page is shown. Typing asks the match API instead.
  function load() {
    var url = panel.dataset.panelUrl;
    if (!url) {
      return;
    }
    var mine = ++asked;
    panel.dataset.state = "asking";
    status.textContent = "Looking for matches…";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the panel answered " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (mine === asked) {
          show(answer.rows || [],
            "Stored claims and published fact-checks like this one, best first. " +
            "Type to look again.",
            "No stored claim or fact-check matches. Type to look again.");
        }
      })
      .catch(function (error) {
        if (mine === asked) {
          status.textContent = "Could not look for matches: " + error.message;
          panel.dataset.state = "failed";
        }
      });
  }

  function ask() {
    var text = query();
    if (text.length < MIN_CHARS) {
      return;
    }
    var token = field("csrfmiddlewaretoken");
    var payload = { text: text.slice(0, 2000), limit: LIMIT };
    var documentId = field("document") ? field("document").value : "";
    if (/^\d+$/.test(documentId)) {
      payload.document = Number(documentId);
    }
    var mine = ++asked;
    panel.dataset.state = "asking";
    status.textContent = "Looking for matches…";
    fetch(panel.dataset.matchUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": token ? token.value : "",
      },
      body: JSON.stringify(payload),
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the match API answered " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (mine === asked) {
          show((answer.results || []).map(rowOfResult),
            "Stored claims and published fact-checks like what you typed, best " +
            "first (not saved yet). Each action saves this claim first.",
            "No stored claim or fact-check matches what you typed.");
        }
      })
      .catch(function (error) {
        if (mine === asked) {
          status.textContent = "Could not look for matches: " + error.message;
          panel.dataset.state = "failed";
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, WAIT_MS);
  }

  ["text", "amount_text"].forEach(function (name) {
    var input = field(name);
    if (input) {
      input.addEventListener("input", later);
    }
  });
  load();
}

// The admin loads its form media in <head>: wait for the page.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", deskMatches);
} else {
  deskMatches();
}
