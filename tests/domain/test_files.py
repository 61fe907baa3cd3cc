"""The one naming rule for files ctcm writes beside others of the same name."""

from ctcm.domain.files import numbered


def test_a_free_name_stays_and_a_taken_one_is_numbered() -> None:
    assert numbered("scan.pdf", set().__contains__) == "scan.pdf"
    assert numbered("scan.pdf", {"scan.pdf"}.__contains__) == "scan-1.pdf"
    assert numbered("scan.pdf", {"scan.pdf", "scan-1.pdf"}.__contains__) == "scan-2.pdf"
    assert numbered("README", {"README"}.__contains__) == "README-1"
