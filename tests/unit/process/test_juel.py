"""The JUEL subset of Camunda 7 models: parsed at deployment, evaluated over JSON variables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontor.process.juel import (
    JuelEvaluationError,
    JuelEvaluator,
    JuelSyntaxError,
    compile_template,
    execution_instance,
)


def juel(text: str, **variables: object) -> object:
    return JuelEvaluator().evaluate(text, variables)


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("${amount > 1000}", {"amount": 1500}, True),
        ("${amount gt 1000}", {"amount": 999}, False),
        ("${approved}", {"approved": True}, True),
        ("#{candidateGroup}", {"candidateGroup": "sales"}, "sales"),
        ("${order.items[1].sku}", {"order": {"items": [{"sku": "a"}, {"sku": "b"}]}}, "b"),
        ("${order['customer']}", {"order": {"customer": "Meier"}}, "Meier"),
        ("${order.missing}", {"order": {}}, None),
        ("${empty list}", {"list": []}, True),
        ("${not empty name}", {"name": "x"}, True),
        ("${a == 1 && b eq 'x' || false}", {"a": 1, "b": "x"}, True),
        ("${!(a < 2) or a ne 1}", {"a": 1}, False),
        ("${a le 1 and a ge 1 and a lt 2}", {"a": 1}, True),
        ("${x > 1 ? 'big' : 'small'}", {"x": 1}, "small"),
        ("${10 div 4}", {}, 2.5),
        ("${10 / 4}", {}, 2.5),
        ("${10 mod 4 + 7 % 4}", {}, 5),
        ("${-7 % 3}", {}, -1),
        ("${price * 3}", {"price": 0.1}, 0.3),
        ("${0.1 + 0.2 == 0.3}", {}, True),
        ("${'5' + 2}", {}, 7),
        ("${null + 1}", {}, 1),
        ("${s.length()}", {"s": "abcd"}, 4),
        ("${s.toUpperCase().startsWith('AB')}", {"s": "abc"}, True),
        ("${s.contains('b') && s.endsWith('c') && s.equals('abc')}", {"s": "abc"}, True),
        ("${s.substring(1, 3)}", {"s": "abcd"}, "bc"),
        (
            "${list.size() == 2 && list.contains('x') && list.get(0) == 'x'}",
            {"list": ["x", "y"]},
            True,
        ),
        ("${m.containsKey('k') && m.get('k') == 1 && !m.isEmpty()}", {"m": {"k": 1}}, True),
        ("${n.intValue()}", {"n": 2.9}, 2),
        ("${execution.getVariable('amount') >= 10}", {"amount": 10}, True),
        ("${execution.getVariable('missing')}", {}, None),
        ("${execution.hasVariable('amount')}", {"amount": 1}, True),
        (
            "Dear ${name}, you owe ${amount} EUR",
            {"name": "Ann", "amount": 12.5},
            "Dear Ann, you owe 12.5 EUR",
        ),
        ("${flag == 'true'}", {"flag": True}, True),
        ("${x == null}", {"x": None}, True),
        ('${"a\\"b"}', {}, 'a"b'),
        ("plain text", {}, "plain text"),
    ],
)
def test_the_subset_evaluates_as_in_camunda_7(text, variables, expected):
    assert juel(text, **variables) == expected


def test_large_and_exact_numbers_stay_exact():
    # As with FEEL: a number a float cannot hold comes back with its exact digits.
    assert juel("${a + b}", a=Decimal("0.10000000000000000001"), b=1) == "1.10000000000000000001"


def test_execution_names_the_process_instance():
    with execution_instance("inst-42"):
        assert juel("${execution.getProcessInstanceId()}") == "inst-42"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${a +}", "unexpected the end of the expression"),
        ("${myBean.doSomething()}", "method 'doSomething' is not supported"),
        ("${execution.setVariable('a', 1)}", "method 'setVariable' is not supported"),
        ("${fn:upper(a)}", "function 'fn' is not supported"),
        ("${a instanceof b}", "unexpected 'instanceof'"),
        ("${a", "not closed"),
        ("${}", "empty"),
        ("${a ? b}", "expected ':'"),
        ("${a @ b}", "unexpected character '@'"),
        ("${" + "(" * 200 + "1" + ")" * 200 + "}", "nested deeper"),
    ],
)
def test_outside_the_subset_is_a_syntax_error_naming_what(text, message):
    with pytest.raises(JuelSyntaxError, match=message):
        compile_template(text)


@pytest.mark.parametrize(
    ("text", "variables", "message"),
    [
        ("${unknown > 1}", {}, "unknown variable 'unknown'"),
        ("${s.__class__}", {"s": "x"}, "cannot read property '__class__' of a text"),
        ("${s.size()}", {"s": "x"}, "a text has no method 'size"),
        ("${n.getClass()}", {"n": 1}, "not supported"),
        ("${1 / 0}", {}, "division"),
        ("${'abc' + 1}", {}, "cannot coerce 'abc' to a number"),
        ("${list < 1}", {"list": [1]}, "cannot coerce a list to a number"),
        ("${m ? 1 : 2}", {"m": {}}, "cannot coerce a map to a boolean"),
        ("${s.substring(5)}", {"s": "ab"}, "outside a text"),
        (
            "${s" + ".replace('a', 'aaaa')" * 12 + "}",
            {"s": "a"},
            "longer than 1000000 characters",
        ),
    ],
)
def test_evaluation_errors_say_what_went_wrong(text, variables, message):
    with pytest.raises((JuelEvaluationError, JuelSyntaxError), match=message):
        juel(text, **variables)
