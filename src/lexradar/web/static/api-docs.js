// Swagger UI over the workbench's own OpenAPI document (kept out of inline script for the CSP).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: root.dataset.url, dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });
})();
