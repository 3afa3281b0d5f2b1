/* INFO Hub: an LAO's card on any page, with one tag:
 *
 *   <script src="https://HUB/embed/card.js" data-lao="6500105" data-lang="en" async></script>
 *
 * The script reads the card's public data from the hub that served it (no cookies: the request
 * omits credentials) and puts the card right after its own tag, inside a shadow root so the
 * portal's styles and the card's do not mix. Every text goes in as text, never as HTML.
 * data-lang: "th" (default) or "en".
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var hub = new URL(script.src).origin;
  var code = script.getAttribute("data-lao") || "";
  var lang = script.getAttribute("data-lang") === "en" ? "en" : "th";
  var host = document.createElement("div");
  host.className = "info-hub-card";
  script.parentNode.insertBefore(host, script.nextSibling);
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function pick(th, en) { return lang === "en" && en ? en : th; }
  function number(value) {
    return value === null || value === undefined
      ? "–"
      : Number(value).toLocaleString(lang === "en" ? "en-GB" : "th-TH");
  }

  var style = el("link");
  style.rel = "stylesheet";
  style.href = hub + "/embed/card.css";
  root.appendChild(style);

  fetch(hub + "/embed/lao/" + encodeURIComponent(code) + ".json", {
    credentials: "omit",
    headers: { Accept: "application/json" },
  })
    .then(function (response) {
      if (!response.ok) throw new Error("INFO Hub: no card for " + code + " (" + response.status + ")");
      return response.json();
    })
    .then(function (card) {
      var box = el("section", "info-card");
      box.setAttribute("lang", lang);
      box.setAttribute("aria-label", pick(card.nameTh, card.nameEn));
      box.appendChild(el("h2", null, pick(card.nameTh, card.nameEn)));
      box.appendChild(el("p", "info-card-sub", [
        pick(card.type.labelTh, card.type.labelEn),
        pick(card.district.nameTh, card.district.nameEn),
        pick(card.province.nameTh, card.province.nameEn),
      ].filter(Boolean).join(" · ")));
      if (card.year) {
        box.appendChild(el("p", "info-card-year",
          pick(card.labels.fiscalYear.th, card.labels.fiscalYear.en) + " " + card.year.fiscalYear +
          " — " + pick(card.year.stateLabelTh, card.year.stateLabelEn)));
        var list = el("dl");
        card.year.figures.forEach(function (f) {
          list.appendChild(el("dt", null, pick(f.labelTh, f.labelEn)));
          var unit = pick(f.unitTh, f.unitEn);
          list.appendChild(el("dd", null, number(f.value) + (unit && f.value !== null ? " " + unit : "")));
        });
        box.appendChild(list);
      } else {
        box.appendChild(el("p", "info-card-year", pick(card.labels.noYear.th, card.labels.noYear.en)));
      }
      var contact = el("p", "info-card-contact");
      if (card.phone) contact.appendChild(el("span", null, pick(card.labels.phone.th, card.labels.phone.en) + " " + card.phone + " "));
      if (card.websiteUrl && /^https?:\/\//.test(card.websiteUrl)) {
        var link = el("a", null, pick(card.labels.website.th, card.labels.website.en));
        link.href = card.websiteUrl;
        link.rel = "noopener";
        contact.appendChild(link);
      }
      box.appendChild(contact);
      box.appendChild(el("p", "info-card-source", pick(card.labels.source.th, card.labels.source.en)));
      root.appendChild(box);
    })
    .catch(function (error) {
      if (window.console) window.console.warn(error.message);
    });
})();
