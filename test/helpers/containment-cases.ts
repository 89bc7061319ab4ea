/**
 * payload_contains cases: a payload, a filter, and whether PostgreSQL's jsonb `@>` says the
 * payload contains the filter. The API test runs each over HTTP on PGlite and PostgreSQL and asks
 * PostgreSQL itself whether the table is right; the Oracle translation's tests use the same
 * shapes. JSON text, so numbers keep their spelling.
 */
export interface ContainmentCase {
  why: string;
  payload: string;
  filter: string;
  contains: boolean;
}

export const CONTAINMENT_CASES: ContainmentCase[] = [
  {
    why: 'a member present with the same value',
    payload: '{"a":1,"b":2}',
    filter: '{"a":1}',
    contains: true,
  },
  { why: 'a member missing', payload: '{"a":1}', filter: '{"a":1,"b":2}', contains: false },
  {
    why: 'nested objects, recursively',
    payload: '{"a":{"b":{"c":1,"d":2}}}',
    filter: '{"a":{"b":{"c":1}}}',
    contains: true,
  },
  {
    why: 'a nested member missing',
    payload: '{"a":{"b":1}}',
    filter: '{"a":{"b":1,"x":null}}',
    contains: false,
  },
  {
    why: 'array elements in any order',
    payload: '{"t":["x","y","z"]}',
    filter: '{"t":["z","x"]}',
    contains: true,
  },
  { why: 'array elements repeated', payload: '{"t":["x"]}', filter: '{"t":["x","x"]}', contains: true },
  {
    why: 'an element missing from the array',
    payload: '{"t":["x","y"]}',
    filter: '{"t":["x","w"]}',
    contains: false,
  },
  {
    why: 'a scalar is not an array holding it',
    payload: '{"t":["x","y"]}',
    filter: '{"t":"x"}',
    contains: false,
  },
  {
    why: 'an array is not the scalar it holds',
    payload: '{"t":"x"}',
    filter: '{"t":["x"]}',
    contains: false,
  },
  {
    why: 'an object element contained by one element',
    payload: '{"i":[{"id":1,"q":2},{"id":2}]}',
    filter: '{"i":[{"id":1}]}',
    contains: true,
  },
  {
    why: 'an object element split over two elements',
    payload: '{"i":[{"id":1},{"q":2}]}',
    filter: '{"i":[{"id":1,"q":2}]}',
    contains: false,
  },
  { why: 'nested arrays', payload: '{"m":[[1,2],[3]]}', filter: '{"m":[[2]]}', contains: true },
  {
    why: 'a scalar element is not inside a nested array',
    payload: '{"m":[[1,2]]}',
    filter: '{"m":[1]}',
    contains: false,
  },
  { why: 'numbers by value: 1.0 and 1', payload: '{"n":1.0}', filter: '{"n":1}', contains: true },
  { why: 'numbers by value: 1 and 1.00', payload: '{"n":1}', filter: '{"n":1.00}', contains: true },
  { why: 'numbers by value: 100 and 1e2', payload: '{"n":100}', filter: '{"n":1e2}', contains: true },
  { why: 'a string is not a number', payload: '{"n":"1"}', filter: '{"n":1}', contains: false },
  { why: 'a number is not a string', payload: '{"n":1}', filter: '{"n":"1"}', contains: false },
  {
    why: 'every digit counts',
    payload: '{"n":18446744073709551615}',
    filter: '{"n":18446744073709551614}',
    contains: false,
  },
  {
    why: 'a big integer, exactly',
    payload: '{"n":18446744073709551615}',
    filter: '{"n":18446744073709551615}',
    contains: true,
  },
  { why: 'null is a value', payload: '{"v":null}', filter: '{"v":null}', contains: true },
  { why: 'null is not a missing member', payload: '{"w":1}', filter: '{"v":null}', contains: false },
  { why: 'null is not false', payload: '{"v":false}', filter: '{"v":null}', contains: false },
  { why: 'booleans', payload: '{"v":true}', filter: '{"v":true}', contains: true },
  { why: 'true is not false', payload: '{"v":true}', filter: '{"v":false}', contains: false },
  { why: 'true is not 1', payload: '{"v":1}', filter: '{"v":true}', contains: false },
  {
    why: 'an empty object contains an empty object',
    payload: '{"o":{}}',
    filter: '{"o":{}}',
    contains: true,
  },
  {
    why: 'any object contains an empty object',
    payload: '{"o":{"x":1}}',
    filter: '{"o":{}}',
    contains: true,
  },
  { why: 'an array is not an object', payload: '{"o":[]}', filter: '{"o":{}}', contains: false },
  { why: 'any array contains an empty array', payload: '{"o":[1]}', filter: '{"o":[]}', contains: true },
  { why: 'an object is not an array', payload: '{"o":{}}', filter: '{"o":[]}', contains: false },
  { why: 'every payload contains {}', payload: '{"z":[1,{"y":2}]}', filter: '{}', contains: true },
  { why: 'a dotted name is one member', payload: '{"a.b":1}', filter: '{"a.b":1}', contains: true },
  { why: 'a dotted name is not a path', payload: '{"a":{"b":1}}', filter: '{"a.b":1}', contains: false },
  {
    why: 'names with quotes and $',
    payload: '{"q\\"uote":1,"$d":2}',
    filter: '{"q\\"uote":1,"$d":2}',
    contains: true,
  },
  {
    why: 'strings by value: an escape is its character',
    payload: '{"s":"é"}',
    filter: '{"s":"\\u00e9"}',
    contains: true,
  },
  { why: 'the empty string', payload: '{"s":""}', filter: '{"s":""}', contains: true },
  {
    why: 'the empty string is not a missing member',
    payload: '{"t":""}',
    filter: '{"s":""}',
    contains: false,
  },
  { why: 'strings compare exactly (case)', payload: '{"s":"Abc"}', filter: '{"s":"abc"}', contains: false },
];
