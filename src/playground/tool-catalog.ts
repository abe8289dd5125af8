// The allowed tools as the page uses them: name, summary and the fields of their input schema (search_tools with
// detail 'full'), for completion, the tools panel, snippets and examples. Pure: no DOM.

/** What the server says about one tool (the client library's ToolInfo). */
export interface ToolInfoLike {
  name: string;
  summary: string;
  declaration?: string;
  inputSchema?: object;
}

export interface ToolField {
  name: string;
  /** A TypeScript-like type, for reading: string, number, 'a' | 'b', string[], object. */
  type: string;
  description?: string;
  required: boolean;
}

export interface ToolEntry {
  name: string;
  summary: string;
  fields: ToolField[];
}

type Schema = { type?: unknown; enum?: unknown; items?: unknown; description?: unknown; properties?: unknown; required?: unknown; anyOf?: unknown };

const asSchema = (value: unknown): Schema => (value !== null && typeof value === 'object' ? (value as Schema) : {});

/** A short type text of a JSON Schema; deep schemas read as `object` (the declaration in the tools panel has more). */
export function typeText(schema: unknown, depth = 0): string {
  const s = asSchema(schema);
  if (Array.isArray(s.enum) && s.enum.length > 0)
    return (
      s.enum
        .slice(0, 6)
        .map((v) => JSON.stringify(v))
        .join(' | ') + (s.enum.length > 6 ? ' | …' : '')
    );
  if (Array.isArray(s.anyOf) && depth < 2) return s.anyOf.map((x) => typeText(x, depth + 1)).join(' | ');
  const type = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (type === 'array') return depth < 2 ? `${typeText(s.items, depth + 1)}[]` : 'unknown[]';
  if (type === 'integer') return 'number';
  return typeof type === 'string' ? type : 'unknown';
}

export function fieldsOf(inputSchema: unknown): ToolField[] {
  const s = asSchema(inputSchema);
  const props = asSchema(s.properties) as Record<string, unknown>;
  const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : []);
  return Object.entries(props).map(([name, prop]) => {
    const description = asSchema(prop).description;
    return { name, type: typeText(prop), required: required.has(name), ...(typeof description === 'string' ? { description } : {}) };
  });
}

export function catalogOf(tools: readonly ToolInfoLike[]): ToolEntry[] {
  return tools.map((t) => ({ name: t.name, summary: t.summary, fields: fieldsOf(t.inputSchema) })).sort((a, b) => a.name.localeCompare(b.name));
}

/** A placeholder value of a field's type, for snippets. */
function placeholder(field: ToolField): string {
  if (field.type.startsWith('"')) return field.type.split(' | ')[0]!;
  if (field.type.endsWith('[]')) return '[]';
  if (field.type === 'number') return '0';
  if (field.type === 'boolean') return 'false';
  if (field.type === 'object') return '{}';
  return "''";
}

/** A string literal in the script's own quotes. */
const quote = (text: string): string => `'${text.replace(/[\\']/g, '\\$&')}'`;

/** A property key as a script writes it: bare when it is an identifier. */
export const keyText = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name));

/** `const result = await callTool('name', { required fields });` */
export function snippetFor(tool: ToolEntry): string {
  const fields = tool.fields.filter((f) => f.required);
  const args = fields.length ? `{ ${fields.map((f) => `${keyText(f.name)}: ${placeholder(f)}`).join(', ')} }` : '{}';
  return `const result = await callTool(${quote(tool.name)}, ${args});\n`;
}
