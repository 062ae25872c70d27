package dev.reason.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The rewrites that make jinjava parse Qwen3-style Jinja as Jinja means it, and what they must leave alone. */
class JinjaCompatTest {

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
        // a reversing slice, in a statement and an expression; not inside a string
        "{%- for m in messages[::-1] %} => {%- for m in messages|reverse %}",
        "{{ x[::-1] ~ '[::-1]' }} => {{ x|reverse ~ '[::-1]' }}",
        // keyword arguments' values, parenthesized, nested calls too
        "{%- set ns = namespace(a=true, last=messages|length - 1) %} => {%- set ns = namespace(a=(true), last=(messages|length - 1)) %}",
        "{{ f(x, y = g(z=1) + 2) }} => {{ f(x, y =( g(z=(1)) + 2)) }}",
        "{{ items|tojson(indent=4) }} => {{ items|tojson(indent=(4)) }}",
        // comparisons, assignments, plain arguments and strings are not keyword arguments
        "{% if (a == b) and f(c) %}{% set d = e %} => {% if (a == b) and f(c) %}{% set d = e %}",
        "{{ f(a != b, c >= d, 'k=v', \"(n=1)\") }} => {{ f(a != b, c >= d, 'k=v', \"(n=1)\") }}",
        "{{ [x=1] }} => {{ [x=1] }}",
        // text outside tags, comments and macro definitions stay as written
        "f(n=1) [::-1] {# g(n=1) #} => f(n=1) [::-1] {# g(n=1) #}",
        "{%- macro m(x=1, y=a - 1) %}{{ m(x=2) }} => {%- macro m(x=1, y=a - 1) %}{{ m(x=(2)) }}",
        "{{ 'unclosed  => {{ 'unclosed ",
        // a prefix not takes the whole comparison, up to and/or/if/else, a comma or a closing bracket
        "{% if not 'q' in s and not x is defined %} => {% if not ('q' in s) and not (x is defined) %}",
        "{{ a if not b|length > 1 else c }} => {{ a if not (b|length > 1) else c }}",
        "{{ f(not a == b, k=not c) }} => {{ f(not (a == b), k=(not (c))) }}",
        "{% if not (m.content.startswith('<r>') or x) %} => {% if not ((m.content.startswith('<r>') or x)) %}",
        "{{ not not x }} => {{ not (not (x)) }}",
        // ... but the operators not in and is not stay as they are; so do words that merely contain not
        "{% if 'x' not in s and y is not none %} => {% if 'x' not in s and y is not none %}",
        "{{ notes + cannot + x.not }} => {{ notes + cannot + x.not }}",
        "{{ not index }} => {{ not (index) }}",
        // a filtered operand of an is test is parenthesized; other operands, and filters elsewhere, are not
        "{% if messages|length is number and q is string %} => {% if (messages|length) is number and q is string %}",
        "{{ 'Y' if x.y|trim|lower is not none else z|upper }} => {{ 'Y' if (x.y|trim|lower) is not none else z|upper }}",
        "{% if not b|length is number %} => {% if not ((b|length) is number) %}",
        "{{ f(x|first is defined, k=y|last is string) }} => {{ f((x|first) is defined, k=((y|last) is string)) }}",
        "{{ (a|length) is number and g(a|b) is defined and 'a|b' is string }} => "
            + "{{ (a|length) is number and g(a|b) is defined and 'a|b' is string }}",
        // whitespace control belongs to the delimiters
        "{%- if not x -%}{{- not y -}} => {%- if not (x) -%}{{- not (y) -}}",
        "{%+ set ns = namespace(a=1 - 2) -%} => {%+ set ns = namespace(a=(1 - 2)) -%}",
        "{%- macro m(x=1) -%} => {%- macro m(x=1) -%}",
        // a raw block is text, whatever it holds
        "{% raw %}{{ not x }} f(n=1){% endraw %}{{ not y }} => {% raw %}{{ not x }} f(n=1){% endraw %}{{ not (y) }}",
        "{%- raw -%}{{ not x }}{%- endraw %} => {%- raw -%}{{ not x }}{%- endraw %}",
        // one final newline goes, as in Jinja
        "`{{ x }}\n\n` => `{{ x }}\n`",
        "`{{ x }}\r\n` => {{ x }}",
    })
    void rewrites(String template, String expected) {
        assertEquals(expected, JinjaCompat.rewrite(template));
    }
}
