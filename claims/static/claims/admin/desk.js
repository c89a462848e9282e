/* The claim page's "Already in the database?" panel, updated as the editor types.
 *
 * Asks the match API (POST /api/v1/claims/match/) with the claim's text and the
 * amount as written, a moment after the editor stops typing, and rebuilds the
 * panel's rows as claims/templates/admin/claims/matching/claim_panel.html renders
 * them: each with its one-click actions (buttons that submit the form with
 * match_action; the admin applies them through the services after saving).
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

  function rowOf(result) {
    var tr = document.createElement("tr");
    var first = cell(tr, undefined, "desk-match-text");
    var link = document.createElement("a");
    var text, figure, source, state, value;
    if (result.kind === "claim") {
      var claim = result.claim;
      tr.dataset.kind = "claim";
      tr.dataset.id = claim.id;
      link.href = panel.dataset.changeUrl.replace("/0/", "/" + claim.id + "/");
      link.textContent = "#" + claim.id;
      text = claim.text;
      figure = claim.figure;
      source = claim.document ? claim.document.title : "";
      state = claim.status;
      value = claim.id;
    } else {
      var review = result.review || {};
      tr.dataset.kind = "review";
      tr.dataset.id = review.id;
      link.href = review.url;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      link.textContent = "Fact-check";
      text = review.claim_reviewed || "";
      figure = review.figure;
      source = review.publisher ? review.publisher.name : "";
      state = review.rating ? review.rating.as_published : "";
      value = review.id;
    }
    first.appendChild(link);
    first.appendChild(document.createTextNode(" " + shorten(text, 160)));
    var relation = cell(tr);
    var strong = document.createElement("strong");
    strong.className = "desk-relation desk-relation-" + result.relation;
    strong.textContent = result.relation;
    relation.appendChild(strong);
    relation.appendChild(document.createTextNode(" " + result.score.toFixed(2)));
    cell(tr, figure || "—");
    cell(tr, source + (state ? " · " + state : ""));
    cell(tr, (result.reasons || []).join("; "));
    var actions = cell(tr, undefined, "desk-match-actions");
    if (result.kind === "claim") {
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

  function show(results) {
    var rows = results.filter(function (result) {
      return !(result.kind === "claim" && String(result.claim.id) === selfId);
    });
    body.replaceChildren.apply(body, rows.map(rowOf));
    table.hidden = rows.length === 0;
    status.textContent = rows.length
      ? "Stored claims and published fact-checks like what you typed, best first " +
        "(not saved yet). Each action saves this claim first."
      : "No stored claim or fact-check matches what you typed.";
    panel.dataset.state = "ready";
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
          show(answer.results || []);
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
}

// The admin loads its form media in <head>: wait for the page.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", deskMatches);
} else {
  deskMatches();
}
