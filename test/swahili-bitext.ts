/**
 * A small hand-written Swahili–English bitext (24 everyday sentences, translated by hand) for tests that
 * need a real Swahili → English path without the shared corpora: a student distilled on it in a few
 * seconds (closed-form lexical fit + a few steps) retrieves the English side from Swahili queries.
 */
export const SWAHILI_ENGLISH: readonly (readonly [swh: string, eng: string])[] = [
  ['Mbwa anakimbia haraka.', 'The dog runs fast.'],
  ['Paka analala nyumbani.', 'The cat sleeps at home.'],
  ['Watoto wanacheza bustanini.', 'The children play in the garden.'],
  ['Mto ni mrefu sana.', 'The river is very long.'],
  ['Baba yangu anasoma kitabu.', 'My father reads a book.'],
  ['Tunakula mkate na samaki.', 'We eat bread and fish.'],
  ['Jua linachomoza mashariki.', 'The sun rises in the east.'],
  ['Anaimba wimbo wa furaha.', 'She sings a happy song.'],
  ['Ndege wanaruka juu ya bahari.', 'Birds fly over the sea.'],
  ['Mzee anatembea polepole.', 'The old man walks slowly.'],
  ['Mvua inanyesha juu ya paa.', 'Rain falls on the roof.'],
  ['Wanajenga nyumba mpya.', 'They build a new house.'],
  ['Mwalimu anaandika ubaoni.', 'The teacher writes on the board.'],
  ['Maji ni mazuri kwa maisha.', 'Water is good for life.'],
  ['Soko linafunguliwa mapema.', 'The market opens early.'],
  ['Anaendesha gari jekundu.', 'He drives a red car.'],
  ['Mama yangu anapika chakula.', 'My mother cooks food.'],
  ['Shule iko karibu na kanisa.', 'The school is near the church.'],
  ['Daktari anafanya kazi hospitalini.', 'The doctor works at the hospital.'],
  ['Tunakunywa chai asubuhi.', 'We drink tea in the morning.'],
  ['Mti mkubwa uko kando ya barabara.', 'A big tree stands beside the road.'],
  ['Wakulima wanapanda mahindi.', 'The farmers plant maize.'],
  ['Mtoto analia usiku.', 'The child cries at night.'],
  ['Rafiki yangu anaishi mjini.', 'My friend lives in the town.'],
];
