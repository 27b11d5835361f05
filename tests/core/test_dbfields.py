from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from apps.indexer.models import Block

pytestmark = pytest.mark.django_db

UINT256_MAX = 2**256 - 1


def _block(number: int, base_fee: int | None) -> Block:
    return Block.objects.create(
        number=number,
        hash=f"0x{number:064x}",
        parent_hash="0x" + "0" * 64,
        timestamp=timezone.now(),
        gas_used=0,
        gas_limit=30_000_000,
        base_fee_per_gas=base_fee,
        transaction_count=0,
    )


def test_it_keeps_every_digit_of_a_256_bit_amount():
    _block(1, UINT256_MAX)
    _block(2, 10**18 + 1)
    assert Block.objects.get(number=1).base_fee_per_gas == UINT256_MAX
    assert Block.objects.get(number=2).base_fee_per_gas == 10**18 + 1
    assert list(Block.objects.filter(base_fee_per_gas=10**18 + 1).values_list("number", flat=True)) == [2]


def test_it_refuses_a_negative_or_oversized_amount():
    for number, fee in ((3, -1), (4, UINT256_MAX + 1)):
        with pytest.raises(ValueError, match="unsigned 256-bit"), transaction.atomic():
            _block(number, fee)
    assert not Block.objects.filter(number__in=[3, 4]).exists()
