"""Reader pages served from a cache that knows what each page shows, and CDNs told when that changes.

Every reader page is described, before it is rendered, by *tags*: the things it depends on
(``article:12``, the Vietnamese listing of section 3 ``section:3:vi``, ``home:vi``, ``story:7`` …,
see ``tags``). Each tag has a version in Django's cache (``versions``); an edit bumps the versions
of exactly the tags it affects (``receivers``, after the commit), so every stored page that
shows it — and only those — is stale at its next request. The same tags go out as
``Surrogate-Key`` / ``Cache-Tag`` headers and to the CDN purgers (``purgers``, ``tasks``).

* ``middleware.PageCacheMiddleware`` answers stored pages (and 304s) before the rest of the stack;
* ``http.cached_page`` on a view computes its tags, ETag and Last-Modified without rendering,
  answers 304 when they match, and marks the rendered page for the middleware to keep.
"""
