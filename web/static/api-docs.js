// Starts the Swagger UI on the API documentation page (/api/v1/docs). A static file, not an inline
// script, so the page runs under the app's Content-Security-Policy (script-src 'self').
(function () {
  var element = document.getElementById('swagger-ui');
  if (!element || !window.SwaggerUIBundle) { return; }
  window.ui = window.SwaggerUIBundle({
    url: element.dataset.openapiUrl,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis]
  });
})();
