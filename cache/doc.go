// Package cache is Galvani's cache framework, Django's in Go: a low-level API
// (Get, Set with a TTL, Add, GetOrSet with stampede protection, Incr and Decr,
// Delete, Touch, the many-key variants, versioned and prefixed keys), typed views
// over it (Of), per-view caching (Page, Middleware), {% cache %} fragments in
// templates (Library) and sessions in a cache (session/cachestore).
//
// A cache is named by a URL, so the same code runs on the in-process LRU in
// development and on Redis or memcached in production by configuration alone:
//
//	CACHE_URL=locmem://?max_bytes=64MiB          the default: in-process, memory-bounded
//	CACHE_URL=redis://cache:6379/0?timeout=10m   shared by every server
//	CACHE_URL=memcached://m1:11211,m2:11211
//	CACHE_URL=db://                              a database table (cache/dbcache)
//	CACHE_URL_SESSIONS=redis://cache:6379/1      more caches, by name
//
// Install App to open them at start-up and reach them from requests:
//
//	app := galvani.New(settings, cache.App, ...)
//	...
//	c := cache.From(c.Request)        // the default cache
//	n, err := c.Incr(ctx, "hits", 1)
//
// Every backend passes the same behaviour suite (package cachetest). See
// docs/cache.md for the guide.
package cache
