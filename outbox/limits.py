"""Limits on what local actors write, in one place: actions enforce them, `/api/v*/instance` publishes them.

Values follow Mastodon's defaults, so apps that count characters or options before sending
agree with what the node accepts.
"""

from typing import Final

# Posts
MAX_CHARACTERS: Final = 500
MAX_MEDIA: Final = 4
URL_LENGTH: Final = 23  # every link counts this many characters, whatever its length
MAX_PINNED: Final = 5

# Polls (durations in seconds)
POLL_MAX_OPTIONS: Final = 4
POLL_MAX_OPTION_CHARS: Final = 50
POLL_MIN_EXPIRATION: Final = 300
POLL_MAX_EXPIRATION: Final = 2629746

# Media
IMAGE_SIZE_LIMIT: Final = 16 * 1024 * 1024  # bytes
IMAGE_MATRIX_LIMIT: Final = 33177600  # width × height
IMAGE_MIME_TYPES: Final = ("image/jpeg", "image/png", "image/gif", "image/webp")
MEDIA_DESCRIPTION_LIMIT: Final = 1500
EMOJI_SIZE_LIMIT: Final = 256 * 1024  # bytes, as Mastodon

# Profiles
MAX_DISPLAY_NAME: Final = 100
MAX_NOTE: Final = 500
MAX_PROFILE_FIELDS: Final = 4
PROFILE_FIELD_NAME_LIMIT: Final = 255
PROFILE_FIELD_VALUE_LIMIT: Final = 255
MAX_FEATURED_TAGS: Final = 10  # per person, as Mastodon
MAX_SKILLS: Final = 50  # directory entries (enterprise profile)
MAX_LANGUAGES: Final = 20

# Lists
MAX_LISTS: Final = 50  # per person, as Mastodon
LIST_TITLE_LIMIT: Final = 255
# Filters
FILTER_TITLE_LIMIT: Final = 256
FILTER_KEYWORD_LIMIT: Final = 512
MAX_FILTER_KEYWORDS: Final = 100  # per filter, so matching a page stays cheap
MAX_FILTERS: Final = 100  # per person, for the same reason
FILTER_MAX_EXPIRY: Final = 10 * 365 * 24 * 3600  # seconds; longer is "never" (no expires_in)
