/**
 * The 20-questions catalogue: 72 items in 6 kinds, 13 attributes (kind, colour, size and 10
 * yes/no properties). Each line: `name | colours | size | properties`, where a trailing `?`
 * marks a "maybe" (a secondary colour, a property that holds only sometimes), and size `mid`
 * answers "maybe" to both small and big.
 */
import { TEST_EVERY } from './common';

export const KINDS = ['animal', 'food', 'vehicle', 'tool', 'furniture', 'instrument'] as const;
export const COLOURS = ['red', 'orange', 'yellow', 'green', 'blue', 'brown', 'black', 'white', 'grey', 'pink'] as const;
export const SIZES = ['small', 'big'] as const;
export const PROPERTIES = ['wooden', 'metal', 'soft', 'loud', 'round', 'wild', 'electric', 'sweet', 'fast', 'sharp'] as const;

/** The attributes (13) and the value words that can be asked about ("is it VALUE ?"). */
export const ATTRIBUTES: Record<string, readonly string[]> = {
  kind: KINDS,
  colour: COLOURS,
  size: SIZES,
  ...Object.fromEntries(PROPERTIES.map((p) => [p, [p]])),
};

const RAW: Record<(typeof KINDS)[number], string[]> = {
  animal: [
    'fox | red white? | small | wild fast soft?',
    'bear | brown black? | big | wild loud? soft?',
    'frog | green | small | wild loud?',
    'canary | yellow | small | loud? fast?',
    'elephant | grey | big | wild loud',
    'zebra | white black | big | wild fast',
    'horse | brown black? white? | big | fast',
    'dog | brown? black? white? | mid | loud fast soft',
    'cat | black? white? orange? grey? | small | soft fast?',
    'mouse | grey white? | small | wild? fast soft?',
    'whale | blue grey | big | wild loud?',
    'pig | pink | mid | loud?',
  ],
  food: [
    'apple | red green? | small | round sweet',
    'banana | yellow | small | sweet soft?',
    'lemon | yellow | small | round',
    'cherry | red | small | round sweet',
    'melon | green yellow? | mid | round sweet',
    'carrot | orange | small |',
    'bread | brown | mid | soft',
    'cheese | yellow white? | mid | soft?',
    'chocolate | brown | small | sweet',
    'egg | white brown? | small | round?',
    'pumpkin | orange | big | round',
    'broccoli | green | small |',
  ],
  vehicle: [
    'bike | red? blue? black? | mid | metal fast?',
    'car | red? blue? black? white? grey? | big | metal fast loud? electric?',
    'bus | yellow? red? | big | metal loud',
    'train | grey? red? | big | metal fast loud electric?',
    'boat | white blue? | big | wooden? metal? fast?',
    'plane | white | big | metal fast loud',
    'tractor | green red? | big | metal loud',
    'taxi | yellow | big | metal fast?',
    'scooter | red? blue? black? | small | metal electric? fast?',
    'rocket | white red? | big | metal fast loud sharp?',
    'canoe | brown? red? green? | mid | wooden?',
    'firetruck | red | big | metal loud fast',
  ],
  tool: [
    'hammer | grey brown? | small | metal wooden? loud?',
    'saw | grey | mid | metal sharp loud?',
    'knife | grey black? | small | metal sharp',
    'drill | yellow? black? | small | electric loud metal?',
    'axe | grey brown? red? | mid | metal wooden sharp',
    'shovel | grey brown? | mid | metal wooden?',
    'scissors | grey red? blue? | small | metal sharp',
    'broom | brown yellow? | mid | wooden soft?',
    'ladder | grey brown? | big | metal? wooden?',
    'rope | brown? white? | mid | soft',
    'pencil | yellow | small | wooden sharp?',
    'magnet | red grey? | small | metal',
  ],
  furniture: [
    'chair | brown? | mid | wooden? metal?',
    'table | brown | big | wooden round?',
    'bed | white? | big | soft wooden?',
    'sofa | grey? brown? blue? red? | big | soft',
    'lamp | white? yellow? | small | electric round?',
    'desk | brown | big | wooden',
    'shelf | brown white? | mid | wooden',
    'clock | white? black? | small | round electric? loud?',
    'mirror | grey? | mid | round? metal?',
    'stool | brown | small | wooden round?',
    'pillow | white | small | soft',
    'wardrobe | brown white? | big | wooden',
  ],
  instrument: [
    'drum | red? | mid | loud round wooden?',
    'guitar | brown | mid | wooden loud?',
    'piano | black white? | big | wooden loud',
    'violin | brown | small | wooden',
    'trumpet | yellow | small | metal loud',
    'flute | grey | small | metal',
    'bell | yellow grey? | small | metal loud round?',
    'harp | brown yellow? | big | wooden',
    'tuba | yellow | big | metal loud',
    'whistle | grey | small | metal loud',
    'keyboard | black white | mid | electric',
    'triangle | grey | small | metal sharp?',
  ],
};

export type Truth = 'yes' | 'no' | 'maybe';

export interface CatalogueItem {
  name: string;
  kind: string;
  /** The true answer to "is it VALUE ?" for every askable value word. */
  answers: Record<string, Truth>;
}

function parseLine(kind: string, line: string): CatalogueItem {
  const [name, colours, size, props] = line.split('|').map((s) => s.trim());
  const answers: Record<string, Truth> = {};
  for (const k of KINDS) answers[k] = k === kind ? 'yes' : 'no';
  for (const c of COLOURS) answers[c] = 'no';
  for (const p of PROPERTIES) answers[p] = 'no';
  const marked = (list: string): [string, Truth][] =>
    list
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => (w.endsWith('?') ? [w.slice(0, -1), 'maybe'] : [w, 'yes']));
  for (const [c, t] of marked(colours)) {
    if (!(COLOURS as readonly string[]).includes(c)) throw new Error(`catalogue: unknown colour ${c} (${name})`);
    answers[c] = t;
  }
  // A thing whose colours are all "maybe" comes in many colours.
  for (const [p, t] of marked(props)) {
    if (!(PROPERTIES as readonly string[]).includes(p)) throw new Error(`catalogue: unknown property ${p} (${name})`);
    answers[p] = t;
  }
  if (size === 'mid') answers.small = answers.big = 'maybe';
  else if (size === 'small' || size === 'big') {
    answers.small = size === 'small' ? 'yes' : 'no';
    answers.big = size === 'big' ? 'yes' : 'no';
  } else throw new Error(`catalogue: bad size ${size} (${name})`);
  return { name, kind, answers };
}

export const CATALOGUE: readonly CatalogueItem[] = KINDS.flatMap((kind) => RAW[kind].map((line) => parseLine(kind, line)));

/** Every value word the agent can ask about, in the fixed order ask-all uses. */
export const QUESTION_VALUES: readonly string[] = [...KINDS, ...SIZES, ...COLOURS, ...PROPERTIES];

/** Fixed split: the 4th, 8th and 12th item of each kind (18 of 72) are held out for testing. */
export function itemSplit(item: CatalogueItem): 'train' | 'test' {
  const index = RAW[item.kind as (typeof KINDS)[number]].findIndex((l) => l.startsWith(`${item.name} `));
  return index % TEST_EVERY === TEST_EVERY - 1 ? 'test' : 'train';
}
