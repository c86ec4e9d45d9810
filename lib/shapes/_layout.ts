/**
 * What the built-in shapes' generator (`_elements.ts`) is given and gives back, kept apart from
 * its hot encoder: the layout of a type's elements, and the contents a key holds after the
 * commands it wrote. Private to lib/shapes.
 *
 * @module
 */

import type { Contents, RedisType } from "./contents.ts";
import type { SizeForm } from "./sizes.ts";

/** How a built-in type lays out its elements. */
export interface Layout {
  type: RedisType;
  /** Elements (stream: entries). */
  count: SizeForm;
  /** Bytes of each element (hash: of each value; stream: of each field value). */
  size: SizeForm;
  /** Stream: fields per entry. */
  fields?: SizeForm;
  /** Zset: scores. */
  scores?: SizeForm;
}

/**
 * Contents from the commands a built-in generator wrote (each as its words).
 *
 * @param type The type.
 * @param commands The commands, in order.
 * @returns What the key holds after them.
 */
export function contentsOf(type: RedisType, commands: string[][]): Contents {
  const writes = commands.filter((words) => words[0] !== "DEL" && words[0] !== "EXPIRE");
  const args = (words: string[]) => words.slice(2);
  const pairs = (list: string[]) => {
    const out: [string, string][] = [];
    for (let k = 0; k + 1 < list.length; k += 2) out.push([list[k]!, list[k + 1]!]);
    return out;
  };
  switch (type) {
    case "string":
      return { type, value: writes[0]![2]! };
    case "hash":
      return { type, fields: pairs(args(writes[0]!)) };
    case "list":
      return { type, elements: args(writes[0]!) };
    case "set":
      return { type, members: args(writes[0]!) };
    case "zset":
      return {
        type,
        members: pairs(args(writes[0]!)).map(([score, member]) => [member, Number(score)]),
      };
    case "stream":
      return {
        type,
        entries: writes.map((words) => ({ id: words[2]!, fields: pairs(words.slice(3)) })),
      };
  }
}
