// Starts Swagger UI on /openapi.json (a file, not inline script: the pages' CSP forbids inline script).
"use strict";
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
