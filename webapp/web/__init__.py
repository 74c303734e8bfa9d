"""The web layer every feature shares: request context, the page clock, errors, headers, i18n, templating, assets,
directions to a venue. It knows no feature: no module here imports program/, travel/, staff/, api/ or exports/."""
