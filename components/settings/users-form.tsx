// Pieces the create form and the edit dialog share: the role choice and sign-off roles typed one
// per line (a role name may hold commas).
import { Field, Select } from '@/components/ui/field';
import { MANAGEMENT_ROLES } from '@/lib/auth/actor';

/** the roles a person can hold: the same list the services accept */
export const USER_ROLES = MANAGEMENT_ROLES;

export const ROLE_HINTS: Record<(typeof USER_ROLES)[number], string> = {
  viewer: 'viewer (read)',
  engineer: 'engineer (create and run rollouts)',
  approver: 'approver (read, tick checklists)',
  admin: 'admin (everything)',
};

/** "QA\n Security \n\n" → ["QA", "Security"] */
export function parseSignoffRoles(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export function RoleSelect({ id, defaultValue, disabled }: { id: string; defaultValue: string; disabled?: boolean }) {
  return (
    <Field id={id} label="Role">
      <Select id={id} name="role" defaultValue={defaultValue} disabled={disabled}>
        {USER_ROLES.map((r) => (
          <option key={r} value={r}>
            {ROLE_HINTS[r]}
          </option>
        ))}
      </Select>
    </Field>
  );
}

export function SignoffRolesInput({ id, defaultValue }: { id: string; defaultValue: string[] }) {
  const hint = `${id}-hint`;
  return (
    <div>
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        Sign-off roles
      </label>
      <textarea
        id={id}
        name="signoffRoles"
        rows={3}
        defaultValue={defaultValue.join('\n')}
        aria-describedby={hint}
        placeholder={'Technical Lead\nProduct Owner'}
        className="mt-1 w-full rounded-md border-0 px-2.5 py-1.5 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600"
      />
      <p id={hint} className="mt-0.5 text-xs text-slate-600">
        One per line, up to 20.
      </p>
    </div>
  );
}
