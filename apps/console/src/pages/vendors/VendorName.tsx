import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { unwrap } from '../../api/errors.js';
import { useApi } from '../../api/use-api.js';

/** Names asked for once per page load: a list of twenty cases served by two vendors makes two requests. */
const names = new Map<string, Promise<string>>();

function vendorName(id: string): Promise<string> {
  let found = names.get(id);
  if (!found) {
    found = unwrap(api.GET('/vendors/{id}', { params: { path: { id } } })).then((vendor) => vendor.name);
    found.catch(() => names.delete(id));
    names.set(id, found);
  }
  return found;
}

/** A vendor by name, linked to its page; its id when the name cannot be read (e.g. a vendor of another jurisdiction). */
export function VendorName({ id }: { id: string }) {
  const name = useApi(() => vendorName(id), [id]);
  return <Link to={`/vendors/${encodeURIComponent(id)}`}>{name.data ?? id.slice(0, 8)}</Link>;
}
