"""The web layer every feature shares: request context, the page clock, errors, headers, i18n, templating, assets."""
