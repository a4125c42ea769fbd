// Docker-style generated names ("brave_turing") for containers created without one.
import crypto from 'node:crypto';

const ADJECTIVES = [
  'brave', 'calm', 'clever', 'eager', 'fervent', 'gallant', 'happy', 'jolly', 'keen', 'lucid',
  'modest', 'nimble', 'optimistic', 'pensive', 'quirky', 'relaxed', 'serene', 'tender', 'upbeat', 'vibrant',
  'wizardly', 'zealous', 'bold', 'crisp', 'dazzling', 'elegant', 'focused', 'gracious', 'hopeful', 'inspiring',
];
const NOUNS = [
  'turing', 'hopper', 'lovelace', 'torvalds', 'ritchie', 'thompson', 'knuth', 'dijkstra', 'lamport', 'liskov',
  'hamilton', 'babbage', 'noether', 'curie', 'darwin', 'euler', 'gauss', 'galois', 'kepler', 'newton',
  'pike', 'shannon', 'wozniak', 'bell', 'fermi', 'goodall', 'hawking', 'lumiere', 'mcclintock', 'pasteur',
];

export function generateName(taken: (name: string) => boolean): string {
  for (let i = 0; i < 100; i++) {
    const a = ADJECTIVES[crypto.randomInt(ADJECTIVES.length)]!;
    const n = NOUNS[crypto.randomInt(NOUNS.length)]!;
    const name = i < 10 ? `${a}_${n}` : `${a}_${n}${crypto.randomInt(100)}`;
    if (!taken(name)) return name;
  }
  return `boxify_${crypto.randomBytes(6).toString('hex')}`;
}
