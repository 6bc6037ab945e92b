"""Shop views, one module per area: catalog, cart, checkout (orders), help."""
