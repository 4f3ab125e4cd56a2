"""LinkedIn (Posts API, Community Management): members and the organization pages they
administer. ``adapter`` maps our posts to LinkedIn's, ``client`` makes the HTTP calls and maps
failures, ``media`` uploads images and video, ``commentary`` escapes the little text format."""
