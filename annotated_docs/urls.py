"""The two web addresses a build is given: where the site is published, and the repository.

Both are checked and put in one spelling before any page is rendered, so that a mistyped
option stops the build with one line naming it, and so that every template can join paths
onto them the same way: the base URL ends in `/` (a page's path follows it directly), the
repository's address does not (`/blob/...` and `/issues/...` follow it). An empty address
means relative links only, or no repository links.
"""
from .errors import BuildError, BuildFailed


def normalise_base_url(base_url: str | None) -> str:
    """'' (relative links) or an absolute http(s) URL ending in `/`."""
    if not base_url:
        return ""
    if not base_url.startswith(("https://", "http://")):
        raise BuildFailed([BuildError("--base-url", 0, f"base URL must start with https:// or "
                                      f"http://, got {base_url!r}")])
    return base_url if base_url.endswith("/") else base_url + "/"


def normalise_repo_url(repo_url: str | None) -> str:
    """'' or an absolute http(s) URL without a trailing `/`."""
    if not repo_url:
        return ""
    if not repo_url.startswith(("https://", "http://")):
        raise BuildFailed([BuildError("--repo-url", 0, f"repository URL must start with https:// "
                                      f"or http://, got {repo_url!r}")])
    return repo_url.rstrip("/")
