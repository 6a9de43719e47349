"""The public site: reads only through published-only selectors."""
