"""Web pages for the `web` source: polite, reproducible fetching into a content-addressed page store.

`urls.collect_urls` gathers the URLs (config list, text file, sitemap), `fetch.fetch_all` fetches them
(robots.txt, per-host limits, retries, size cap) and `store.PageStore` keeps every body by its sha256 so a
rebuild reads the same bytes without the network. Text extraction happens elsewhere.
"""
