export interface CompanyTable {
  id: string;
  name: string;
  /** JSON: legal name per language. */
  legal_names: string;
  city: string;
  country: string;
  tin: string | null;
  /** The controller's contact details (0013); null until the company fills them in. */
  email: string | null;
  phone: string | null;
  address: string | null;
  updated_at: number;
}

export interface ProductTable {
  id: string;
  name: string;
  site_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface SiteTable {
  /** The site's domain, e.g. `smartpos.uz`. */
  id: string;
  name: string;
  origin: string;
  agreement_url: string;
  created_at: number;
  updated_at: number;
}

export interface OrgTables {
  company: CompanyTable;
  products: ProductTable;
  sites: SiteTable;
}
