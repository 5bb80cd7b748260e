"""The coding app's pages, one module a page: workspace (and its JSON API), codebook, history,
retrieval and queries, search, memos."""
