"""`annotated_docs.urls`: the base URL and the repository's address in one spelling."""
import pytest

from annotated_docs.errors import BuildFailed
from annotated_docs.urls import normalise_base_url, normalise_repo_url


def test_base_url_gains_a_trailing_slash_so_page_paths_join_onto_it():
    assert normalise_base_url("https://example.org/distill") == "https://example.org/distill/"
    assert normalise_base_url("https://example.org/distill/") == "https://example.org/distill/"


def test_repo_url_loses_its_trailing_slash_so_blob_paths_join_onto_it():
    assert normalise_repo_url("https://github.com/owner/repo/") == "https://github.com/owner/repo"
    assert normalise_repo_url("http://github.com/owner/repo") == "http://github.com/owner/repo"


def test_no_address_means_relative_links_and_no_repository_links():
    assert normalise_base_url(None) == normalise_base_url("") == ""
    assert normalise_repo_url(None) == normalise_repo_url("") == ""


@pytest.mark.parametrize("normalise, option", [(normalise_base_url, "--base-url"),
                                               (normalise_repo_url, "--repo-url")])
def test_an_address_that_is_not_http_names_its_option(normalise, option):
    with pytest.raises(BuildFailed) as raised:
        normalise("example.org/distill")
    assert str(raised.value.errors[0]).startswith(option)
    assert "'example.org/distill'" in str(raised.value.errors[0])
