/**
 * A tiny made-up bitext for tests: English sentences and a toy "language" that writes each English word
 * backwards with a suffix, so the English teacher does not know it but a student can learn it.
 */

/** 16 short English sentences. */
export const TOY_ENG_16 = [
  'the dog runs fast', 'a cat sleeps at home', 'children play in the garden', 'the river is very long',
  'my father reads a book', 'we eat bread and fish', 'the sun rises in the east', 'she sings a happy song',
  'birds fly over the sea', 'the old man walks slowly', 'rain falls on the roof', 'they build a new house',
  'the teacher writes on the board', 'water is good for life', 'the market opens early', 'he drives a red car',
];

/** The 16 above plus 4 that reuse their words (20 sentences). */
export const TOY_ENG_20 = [...TOY_ENG_16, 'the dog sleeps in the garden', 'a cat runs over the roof', 'my father eats fish', 'she reads a new book'];

/** The toy language: every word reversed, plus "a". */
export const toyLanguage = (s: string): string => s.split(' ').map((w) => [...w].reverse().join('') + 'a').join(' ');
