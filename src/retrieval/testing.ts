/**
 * A tiny English test collection: 20 one-sentence documents on distinct topics, and for each a paraphrase
 * query sharing few words with it. The USE-lite teacher ranks every query's own document first
 * (checked in search-index.test.ts and the CLI test).
 */
export const DOCS: readonly string[] = [
  'The cat is sleeping on the sofa.',
  'Stock markets fell sharply after the bank announced losses.',
  'How do I bake bread at home without yeast?',
  'The football team won the championship last night.',
  'Heavy rain is expected in the city tomorrow.',
  'She is learning to play the violin.',
  'The new phone has a larger screen and a better camera.',
  'Doctors recommend drinking plenty of water every day.',
  'The train to the airport leaves every fifteen minutes.',
  'Scientists discovered a new species of frog in the rainforest.',
  'My grandmother grows tomatoes in her garden.',
  'The museum is closed on Mondays.',
  'He lost his wallet on the bus.',
  'Children should brush their teeth twice a day.',
  'The president will visit Kenya next week.',
  'Coffee prices have risen because of the drought.',
  'I am looking for a cheap hotel near the beach.',
  'The volcano erupted and covered the village in ash.',
  'Our teacher gave us too much homework.',
  'The hospital needs more nurses.',
];

/** QUERIES[i] paraphrases DOCS[i]. */
export const QUERIES: readonly string[] = [
  'a kitten naps on the couch',
  'share prices dropped after the bank reported a loss',
  'recipe for homemade bread',
  'the soccer club took the title',
  'weather forecast: storms and showers tomorrow',
  'she takes violin lessons',
  'smartphone with a bigger display',
  'drink lots of water, say physicians',
  'how often does the airport train run',
  'researchers found an unknown frog',
  'grandma grows vegetables',
  'when is the museum open',
  'someone stole my purse on the bus',
  'kids need to clean their teeth',
  'the head of state travels to Nairobi',
  'why is coffee more expensive',
  'affordable accommodation by the sea',
  'eruption buries town in ash',
  'too many assignments from school',
  'shortage of nurses at the clinic',
];

/** Document ids used by the tests: doc-00 … doc-19. */
export const docId = (i: number) => `doc-${String(i).padStart(2, '0')}`;
