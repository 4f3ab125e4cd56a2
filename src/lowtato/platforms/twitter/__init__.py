"""X (Twitter) through the X API v2: `adapter` maps Lowtato posts to it, `client` speaks HTTP
and maps errors, `media` uploads images, GIFs and videos."""
