/** The RDF, RDFS and SHACL IRIs the validation code matches on. */
export const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
export const RDF_TYPE = `${RDF}type`;
export const RDF_FIRST = `${RDF}first`;
export const RDF_REST = `${RDF}rest`;
export const RDFS_SUBCLASS = 'http://www.w3.org/2000/01/rdf-schema#subClassOf';
export const SH = 'http://www.w3.org/ns/shacl#';
