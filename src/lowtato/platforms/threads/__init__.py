"""Threads through the Threads API on graph.threads.net (docs/reference/platforms.md §7).

The connected account is the Threads profile (a long-lived token, refreshed with
``th_refresh_token``). ``client`` is Facebook's Graph client in the Threads dialect (the same
error shape and conventions, Threads' own codes); ``accounts`` holds login, tokens and whoami;
``containers`` the container → status → publish steps; ``adapter`` turns a Lowtato post into
them.
"""
