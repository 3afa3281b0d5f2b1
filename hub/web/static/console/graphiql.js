// The GraphiQL page (hub/web/console/graphiql.py): GraphiQL on the vendored React, posting to
// the endpoint the page names. On the console's page the session cookie goes with every
// request (same origin) and the CSRF token in the X-CSRF-Token header.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  if (!root || !window.GraphiQL || !window.React || !window.ReactDOM) return;
  var data = root.dataset;
  var headers = {};
  if (data.csrf) headers["X-CSRF-Token"] = data.csrf;
  // The console's and the public page's editors keep their tabs apart.
  var prefix = "info-hub:" + data.storage + ":";
  var storage = {
    getItem: function (key) { return window.localStorage.getItem(prefix + key); },
    setItem: function (key, value) { window.localStorage.setItem(prefix + key, value); },
    removeItem: function (key) { window.localStorage.removeItem(prefix + key); },
    clear: function () {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf(prefix) === 0) window.localStorage.removeItem(key);
      });
    },
    get length() {
      return Object.keys(window.localStorage).filter(function (key) {
        return key.indexOf(prefix) === 0;
      }).length;
    }
  };
  var props = {
    fetcher: GraphiQL.createFetcher({ url: data.endpoint, headers: headers }),
    defaultQuery: data.defaultQuery,
    isHeadersEditorEnabled: data.headersEditor === "true",
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: data.headersEditor === "true" ? "headers" : false,
    storage: storage
  };
  if (data.query) props.query = data.query;
  root.textContent = "";
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
