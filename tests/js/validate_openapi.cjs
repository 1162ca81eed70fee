// Validates OpenAPI 2.0/3.0 documents (JSON or YAML files) with
// @apidevtools/swagger-parser; prints "OK <file>" or the error, exits 1 on
// any invalid document. Usage: node tests/js/validate_openapi.cjs FILE...
"use strict";
const SwaggerParser = require("@apidevtools/swagger-parser");

async function main(files) {
  let failed = 0;
  for (const f of files) {
    try {
      await SwaggerParser.validate(f);
      console.log(`OK ${f}`);
    } catch (e) {
      failed++;
      console.log(`INVALID ${f}: ${e.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

main(process.argv.slice(2));
