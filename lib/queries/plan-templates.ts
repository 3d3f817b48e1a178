// Plan templates: the seed runbooks in prisma/plans/, offered as starting points for new rollouts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface PlanTemplate {
  file: string;
  name: string;
  source: string;
}

export function planTemplates(dir = path.join(process.cwd(), 'prisma/plans')): PlanTemplate[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
  return files.map((file) => {
    const source = readFileSync(path.join(dir, file), 'utf8');
    const doc = parseYaml(source) as { name?: string } | null;
    return { file, name: doc?.name ?? file, source };
  });
}
