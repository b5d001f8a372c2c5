"""Container engine adapters behind one interface (envkit.engines.base), with helpers for Dockerfile builds
(envkit.engines.dockerfile); the image store they build into is envkit.store."""
