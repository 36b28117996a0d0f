# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Compiled field decoding of one GDV Teildatensatz: the values of ``layouts``' Python decoders.

Built when the package is installed (a C compiler is needed; without one the Python decoders
serve). The rules are the Python path's: alphanumeric text loses trailing whitespace (as
``str.rstrip``); typed text is looked up in its converter's cache, and what is not there is read
here when it is plain digits (a whole number, an amount, a complete TTMMJJJJ date) or else
handed to the converter, which raises ``FieldValueError`` for what does not fit; a sign
character ``-`` negates a non-zero value.
"""

from cpython.datetime cimport date_new, import_datetime
from cpython.dict cimport PyDict_GetItem
from cpython.ref cimport PyObject
from cpython.unicode cimport Py_UNICODE_ISSPACE, PyUnicode_DATA, PyUnicode_KIND, PyUnicode_READ
from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from decimal import Decimal

from kontor.exchange.gdv.values import CACHE_LIMIT

import_datetime()

cdef enum:
    _ALPHANUMERIC = 0
    _CONVERTED = 1
    _WHOLE_NUMBER = 2
    _AMOUNT = 3
    _DATE = 4

ALPHANUMERIC = _ALPHANUMERIC
"""Kind of a field kept as text."""
CONVERTED = _CONVERTED
"""Kind of a field whose text always goes to its converter (partial dates)."""
WHOLE_NUMBER = _WHOLE_NUMBER
"""Kind of a whole-number field (``N``)."""
AMOUNT = _AMOUNT
"""Kind of an amount with implied decimals (``F``)."""
DATE = _DATE
"""Kind of a TTMMJJJJ date (``D8``)."""

cdef Py_ssize_t _MAX_DIGITS = 18  # fits a signed 64-bit integer
cdef uint64_t _EIGHT_BLANKS = 0x2020202020202020
cdef int[13] _DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


cdef inline Py_ssize_t _end_of_one_byte_text(const char* data, Py_ssize_t start, Py_ssize_t end):
    """Return where text of one byte per character ends once trailing blanks are cut."""
    cdef uint64_t block
    while end - start >= 8:  # eight blanks at a time: most alphanumeric fields are empty
        memcpy(&block, data + end - 8, 8)
        if block != _EIGHT_BLANKS:
            break
        end -= 8
    while end > start and data[end - 1] == 32:
        end -= 1
    return end


cdef inline Py_ssize_t _end_of_text(int text_kind, void* data, Py_ssize_t start, Py_ssize_t end):
    """Return where the text from ``start`` to ``end`` ends once trailing whitespace is cut."""
    if text_kind == 1:
        end = _end_of_one_byte_text(<const char*>data, start, end)
    while end > start and Py_UNICODE_ISSPACE(PyUnicode_READ(text_kind, data, end - 1)):
        end -= 1
    return end


cdef inline long long _digits(int text_kind, void* data, Py_ssize_t start, Py_ssize_t end):
    """Return the number the ASCII digits from ``start`` to ``end`` spell, or -1."""
    cdef long long number = 0
    cdef unsigned int code
    if not 0 < end - start <= _MAX_DIGITS:
        return -1
    while start < end:
        code = PyUnicode_READ(text_kind, data, start)
        if code < 48 or code > 57:  # not "0" … "9"
            return -1
        number = number * 10 + (code - 48)
        start += 1
    return number


cdef inline bint _is_date(long long year, long long month, long long day):
    if year < 1 or month < 1 or month > 12 or day < 1:
        return False
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return day <= 29
    return day <= _DAYS_IN_MONTH[month]


cdef class PartDecoder:
    """Slice and convert every value field of one Teildatensatz in one call."""

    cdef Py_ssize_t count
    cdef Py_ssize_t* starts
    cdef Py_ssize_t* ends
    cdef Py_ssize_t* signs
    cdef int* kinds
    cdef tuple keys
    cdef tuple converters
    cdef tuple exponents
    cdef dict template

    def __cinit__(self, fields):
        specs = tuple(fields)
        cdef Py_ssize_t size = max(len(specs), 1)
        self.count = len(specs)
        self.starts = <Py_ssize_t*>malloc(size * sizeof(Py_ssize_t))
        self.ends = <Py_ssize_t*>malloc(size * sizeof(Py_ssize_t))
        self.signs = <Py_ssize_t*>malloc(size * sizeof(Py_ssize_t))
        self.kinds = <int*>malloc(size * sizeof(int))
        if not (self.starts and self.ends and self.signs and self.kinds):
            raise MemoryError()
        cdef Py_ssize_t index
        for index, (key, start, end, kind, convert, decimals, sign) in enumerate(specs):
            if not 0 <= start <= end or not _ALPHANUMERIC <= kind <= _DATE:
                raise ValueError(f"bad field spec for {key!r}")
            if kind != _ALPHANUMERIC and not isinstance(convert, dict):
                raise ValueError(f"field {key!r} needs its caching converter")
            self.starts[index] = start
            self.ends[index] = end
            self.kinds[index] = kind
            self.signs[index] = -1 if sign is None else sign
        self.keys = tuple(spec[0] for spec in specs)
        self.converters = tuple(spec[4] for spec in specs)
        self.exponents = tuple(-spec[5] for spec in specs)
        self.template = dict.fromkeys(self.keys)  # copied per record: no resizing while filling

    def __dealloc__(self):
        free(self.starts)
        free(self.ends)
        free(self.signs)
        free(self.kinds)

    def __call__(self, str text):
        """Return the typed values of ``text``'s fields by key, in layout order."""
        cdef dict values = self.template.copy()
        self._fill(text, values)
        return values

    def into(self, str text, dict values):
        """Add the typed values of ``text``'s fields to ``values``."""
        self._fill(text, values)

    cdef int _fill(self, str text, dict values) except -1:
        cdef Py_ssize_t length = len(text)
        cdef int text_kind = PyUnicode_KIND(text)
        cdef void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t index, start, end, sign
        cdef int kind
        cdef long long number
        for index in range(self.count):
            start = self.starts[index]
            end = self.ends[index]
            if end > length:
                end = length
            if start > end:
                start = end
            kind = self.kinds[index]
            if kind == _ALPHANUMERIC:
                values[self.keys[index]] = text[start:_end_of_text(text_kind, data, start, end)]
                continue
            if _end_of_text(text_kind, data, start, end) == start:
                values[self.keys[index]] = None  # a blank number, amount or date
                continue
            if kind == _WHOLE_NUMBER:
                number = _digits(text_kind, data, start, end)
                value = number if number >= 0 else self.converters[index][text[start:end]]
            else:
                value = self._typed(index, kind, text, text_kind, data, start, end)
            sign = self.signs[index]
            if 0 <= sign < length and PyUnicode_READ(text_kind, data, sign) == 45 and value:
                value = -value  # 45: "-"
            values[self.keys[index]] = value
        return 0

    cdef object _typed(
        self, Py_ssize_t index, int kind, str text, int text_kind, void* data,
        Py_ssize_t start, Py_ssize_t end,
    ):
        """Return an amount's or a date's value: from the cache, read here, or converted."""
        cdef dict cache = <dict>self.converters[index]
        raw = text[start:end]
        cdef PyObject* cached = PyDict_GetItem(cache, raw)
        if cached is not NULL:
            return <object>cached
        cdef long long number = _digits(text_kind, data, start, end)
        cdef long long day, month, year
        value = None
        if number >= 0 and kind == _AMOUNT:
            value = Decimal(raw).scaleb(self.exponents[index])
        elif number >= 0 and kind == _DATE and end - start == 8:
            day, month, year = number // 1000000, number // 10000 % 100, number % 10000
            if _is_date(year, month, day):
                value = date_new(year, month, day)
        if value is None:
            return self.converters[index][raw]  # its __missing__: partial dates, blanks, errors
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[raw] = value
        return value
