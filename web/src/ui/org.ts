/** Shapes of the organisation registry as the API returns them (`/v1/org`, `/v1/org/sites`). */
export interface Site {
  id: string;
  name: string;
  origin: string;
  agreementUrl: string;
}

export interface Product {
  id: string;
  name: string;
  siteId: string;
}

export interface Company {
  id: string;
  name: string;
  /** Legal name per UI language (uz-Cyrl, uz-Latn, ru, en). */
  legalNames: Record<string, string>;
  city: string;
  country: string;
  tin: string | null;
  /** The controller's contact details: null until the company sets them. */
  email: string | null;
  phone: string | null;
  address: string | null;
}

export interface Organisation {
  company: Company;
  products: Product[];
  sites: Site[];
}
