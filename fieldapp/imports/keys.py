"""The rows a file has named each key on: a compact map of 64-bit keys to row numbers.

An import remembers every 身份证号 and 档案编号 of the file (a duplicate is named with the
row that first had it). As a dictionary of strings that costs about 125 bytes a key, the
largest part of an import's memory on a register of 100,000 rows; here 12 to 48.
"""

from __future__ import annotations

from array import array

MIX = 0x9E3779B97F4A7C15  # Fibonacci hashing: sequential keys spread over the table
MASK64 = (1 << 64) - 1


class RowsByKey:
    """Keys (non-negative integers below 2**64 - 1) mapped to the row that first named them."""

    def __init__(self) -> None:
        self._count = 0
        self._allocate(10)

    def _allocate(self, bits: int) -> None:
        self._bits = bits
        self._keys = array("Q", bytes(8 << bits))  # key + 1; 0 marks a free slot
        self._rows = array("I", bytes(4 << bits))

    def __len__(self) -> int:
        return self._count

    def setdefault(self, key: int, row: int) -> int:
        """The row that first named ``key``; ``row`` when none did (and it is remembered)."""
        stored = key + 1
        keys = self._keys
        mask = (1 << self._bits) - 1
        slot = ((key * MIX) & MASK64) >> (64 - self._bits)
        while True:
            found = keys[slot]
            if found == stored:
                return int(self._rows[slot])
            if found == 0:
                break
            slot = (slot + 1) & mask
        keys[slot] = stored
        self._rows[slot] = row
        self._count += 1
        if 2 * self._count > len(keys):
            self._grow()
        return row

    def get(self, key: int) -> int | None:
        """The row that first named ``key``, if one did."""
        stored = key + 1
        keys = self._keys
        mask = (1 << self._bits) - 1
        slot = ((key * MIX) & MASK64) >> (64 - self._bits)
        while (found := keys[slot]) != 0:
            if found == stored:
                return int(self._rows[slot])
            slot = (slot + 1) & mask
        return None

    def _grow(self) -> None:
        keys, rows = self._keys, self._rows
        self._count = 0
        self._allocate(self._bits + 1)
        for stored, row in zip(keys, rows, strict=True):
            if stored:
                self.setdefault(stored - 1, row)


def id_number_key(id_number: str) -> int:
    """A normalized 18-character 身份证号 as an integer (its check character X as 10)."""
    last = id_number[17]
    return int(id_number[:17]) * 11 + (10 if last in "Xx" else int(last))


def record_number_key(record_number: str) -> int:
    """A 17-digit 档案编号 as an integer."""
    return int(record_number)


class RowsByRecordNumber:
    """Residents (by their 档案编号) mapped to the row that named them: compact for 17-digit numbers."""

    def __init__(self) -> None:
        self._numbers = RowsByKey()
        self._others: dict[str, int] = {}  # a number in another form, should one be stored

    def get(self, record_number: str) -> int | None:
        """The row that named this resident, if one did."""
        if _digits17(record_number):
            return self._numbers.get(int(record_number))
        return self._others.get(record_number)

    def update(self, named: dict[str, int]) -> None:
        """Remember the rows that named these residents."""
        for record_number, row in named.items():
            if _digits17(record_number):
                self._numbers.setdefault(int(record_number), row)
            else:
                self._others.setdefault(record_number, row)


def _digits17(text: str) -> bool:
    return len(text) == 17 and text.isascii() and text.isdigit()
