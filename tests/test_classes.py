import subprocess
import sys

import pytest

from dreamvideo.errors import DreamError
from dreamvideo.models.classes import CLASS_NAMES, find_class, search


def test_all_thousand_imagenet_names_ship_offline_as_torchvision_has_them():
    from torchvision.models import EfficientNet_B0_Weights

    assert CLASS_NAMES == tuple(EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"])
    assert len(CLASS_NAMES) == 1000
    assert CLASS_NAMES[281] == "tabby" and CLASS_NAMES[967] == "espresso"


def test_names_load_without_importing_torch():
    code = ("import sys; from dreamvideo.models.classes import find_class; "
            "assert find_class('tabby cat') == 281; assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("query, index", [
    ("281", 281), ("espresso", 967), ("ESPRESSO", 967),      # exact beats "espresso maker"
    ("tabby cat", 281),                                        # a class name spelled inside the query
    ("egyptian", 285), ("German short-haired", 210),
])
def test_find_class_by_index_or_name(query, index):
    assert find_class(query) == index


def test_ambiguous_name_lists_the_candidates_with_indices():
    with pytest.raises(DreamError, match=r"'cat' matches \d+ classes: .*Persian cat \(283\)"):
        find_class("cat")


def test_unknown_name_suggests_close_matches():
    with pytest.raises(DreamError, match=r"no ImageNet class matches 'tabbby'.*close matches: tabby \(281\)"):
        find_class("tabbby")


def test_index_out_of_range_is_an_error():
    with pytest.raises(DreamError, match="out of range 0-999"):
        find_class(1000)


def test_search_is_case_insensitive_substring():
    assert search("Cat")[:2] == [CLASS_NAMES.index("oystercatcher"), CLASS_NAMES.index("tiger cat")]
    assert len(search("")) == 1000
