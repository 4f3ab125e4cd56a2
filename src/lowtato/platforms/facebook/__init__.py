"""Facebook Pages through the Graph API (docs/reference/platforms.md §6).

The connected account is the Facebook *user* (a long-lived user token); the Pages they manage
are its subaccounts, each with its own Page token, and every post goes to one Page.
``client`` holds the raw Graph calls and the Graph error table; ``adapter`` turns a Lowtato post
into those calls.
"""
