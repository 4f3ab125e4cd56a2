"""Instagram professional accounts through the Graph API with Facebook Login
(docs/reference/platforms.md §3).

The connected account is the Instagram business account linked to one of the user's Pages; the
token is the Facebook user token (``facebook.accounts`` does the login and its extension).
Posting is container → status polling → ``media_publish``. ``client`` holds the Graph client
with Instagram's error rows, ``adapter`` turns a Lowtato post into those calls.
"""
