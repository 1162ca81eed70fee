/* Generated once by /usr/bin/python3 with python3-jwt 2.6 (PyJWT) and
 * python3-cryptography: keys and tokens for test_jwtauth's cross-check. */
static const char pyjwt_rsa_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAoET56fLwHu78K3tvJjNK\n"
    "OVNV++UDLtyDyo+2dJJwRUhmb+v52H4QXmRh3cxV4L/1OTpbgklsAzVnYXkFEwrZ\n"
    "LGD4GTS14d/vRJvbvjJSQD5Q1eSkYcZRdwIzUvhaBUMR/3hTCeTbE+vBzkJ5kjVn\n"
    "g6ol00FqLsO6u0SHItEn7IhqueVHVgeqMEHJgSqf4hKXhK7I5PhssR5yeiMRWTkY\n"
    "0WTMCSHw1wDNuKgnvuOB3Ka4UfqiJMpRB+UNj+ynSU1b9zT7xBxLAnRoHQt6N4U+\n"
    "hcD67ij+i+iNN+l0c4t+KYVVYOKMT3ah1jNhOv/ttBYBjuxCe1BhagCo3RC4PwrO\n"
    "eQIDAQAB\n"
    "-----END PUBLIC KEY-----\n"
    "";
static const char pyjwt_ec256_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMD7hGMtGwX9+8GZ4MqHL1NOXGvGy\n"
    "Crl+Uvq1kXbjtI8gNmGLr+lY6zJAqiklaw8eGWOwiDLVBFf6dPhkzhB08g==\n"
    "-----END PUBLIC KEY-----\n"
    "";
static const char pyjwt_ec384_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEKWmjVmZB0NV5SkF/GYL/HEGx3Jp6JBnB\n"
    "8RozKEoU5SYJY9Un2Jz/pW6pSm3StkAg1ZkAC5xaq57rgzXVo9NDxZYJ1F3SvDxk\n"
    "7nzoyjvmwPCFbgqpOPum1UVgHgOOk8cY\n"
    "-----END PUBLIC KEY-----\n"
    "";
static const char pyjwt_ec521_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAXUj/Zri4XWTg5DIaf1+t7yODUD96\n"
    "U5cYYUgrDbKQRRy0glEMI1iJ5Vh6Q1T5Renp8j+bhIC/c4X/U2Qf+bqKsBAAP75x\n"
    "WDZF+64NyKovAVGmyV5quscteXuY9wHFUGiL2iLIJvmVTzFgYZf+mBqDbhmemlZv\n"
    "/qpYW5LDpoVbhh/0PY8=\n"
    "-----END PUBLIC KEY-----\n"
    "";
static const char pyjwt_hs_secret[] = "pyjwt-shared-secret-of-32-bytes!";
static const struct {
    const char *alg, *token;
} pyjwt_tokens[] = {
    {"RS256",
     "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYSIsInR5cCI6IkpXVCJ9."
     "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3MDAwMDAzM"
     "DB9.BngMnVe17uCXf3APmBmGgLIz18b__"
     "Huj3vquZAlndrht3XrxKBFGCeJBlpXfjZr602Ugf9hFy17diOkXFTOBS3vNQmn4CFz-GKbyhDuh-"
     "2tX7D6mbsZiEpw7AS9J_GHdqy_iAo8mZHegYZDp8aGZcZgJOSvvo2HTDBKTjEHxe6L-51uT5_"
     "duSSucW4FFFjSfRGWov0XEfRfp6t9TQ56dMQM6JaLuB1Q-RoIm6FlDD2EIsY4emLkZBM-M1uq2PZaRU-"
     "UGwoe7Uy5G5ErvVPgexKlQ7_nNHsoWmnHkKxwPhSfmhJi1TFrYkVMFpBTQS31uHupD8tIOrhJPLQjsU_zz5w"},
    {"RS384",
     "eyJhbGciOiJSUzM4NCIsImtpZCI6InJzYSIsInR5cCI6IkpXVCJ9."
     "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3MDAwMDAzM"
     "DB9.HqhIthm_0u1s9xI3Ol5MBRYfKUvlyrTQ9DzGPfmfziqU8Wh_Uge5phoK43JEHQz__"
     "HqQnwBNBfjGnI9R26qABC45GfVvAAMZXHtL4navrrD7ViMmsStJ-mC8t1vgwwlXH2K0DBQo3ivXmiR5ExSy5vco0_"
     "Diw6yJRThZqbM-rdNbfudsF6IlFQum86X1MvMgZPtLcgXKqAv_N2L4GH0o4C0WWZZJy88qWliNAK0zf-"
     "qfjpB1gkFD7aMU4FGu8nLikomrGKbdHAHzyGv1PyIfD74WEznmgnkVPCxgYtZp-"
     "TdCqqKFFrUlJFGLviZpy2GhVUr3hfH3CuEyjZMsPyWbuQ"},
    {"RS512", "eyJhbGciOiJSUzUxMiIsImtpZCI6InJzYSIsInR5cCI6IkpXVCJ9."
              "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3"
              "MDAwMDAzMDB9.OzLKBmB1my-PZRMhAgOFsvxA_vnBTTVzkXcF3AQW987Yv0Wh5aJNNKBxD31h6jI_HB-5-"
              "d4GhZbMNoTKdDzCPsFjWY3V5taaQW8zci6iU6Raq_"
              "sat5ZCiedGkZ4jSvkKP32hH3IOQ3nXfMVE2wbmsFEd6AW0p8KpYhOLMpzcpWGTfH6-"
              "ZIv8N1j2JeuuUT0j605Yxgp2K61s-pImcr8hlix0QiMwlarYXSHq5ztkeQO7Khd4Fqhh5zCj5410TL_DdLR-"
              "eqssVyd0xb88dI5HYRZlGVb0zfKOuVJiSiAGpmpmPsYpNVr_F5haceeFwnHKAws8ReB1cTpw4BSkkTv-Ww"},
    {"ES256",
     "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjMjU2IiwidHlwIjoiSldUIn0."
     "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3MDAwMDAzM"
     "DB9.HZNgFXd9p0uL-4-l_R9rRV7uRR1SRkQn_lfJVukorJ1KZHMEhUAzMRIs-JL3rooicEzef7qTPjj9Nq-t_EJ3XA"},
    {"ES384", "eyJhbGciOiJFUzM4NCIsImtpZCI6ImVjMzg0IiwidHlwIjoiSldUIn0."
              "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3"
              "MDAwMDAzMDB9.bwhY-iaVcqN8IHlX5vjl_Z_CQy21YpEKl9aE_I4Y0GXC25DcaRjZHbZJ3J6ZVgb9aHYc-"
              "dbWM2uSyEoLfw64rVCHQy8eblnfRdRYVYo5yNyOFfmLhgbOB174DMFKxLgs"},
    {"ES512", "eyJhbGciOiJFUzUxMiIsImtpZCI6ImVjNTIxIiwidHlwIjoiSldUIn0."
              "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3"
              "MDAwMDAzMDB9.ATimjYoBTRlC81oLLLLnBEVq-hq9ZFXIwqoAddumSN5qN2ooR-"
              "jeUNgAQ5EtizLtkSVxFk1GQNZp_yUyiwY_lJlZAd43qCaA3BVdZFvUm5g_"
              "wV5Vh6R6hI2CDOcH9LseDybqph7YhrA49slbHe0EOfiLljSVvfd4nuNIwVFYF48DVWcB"},
    {"HS256", "eyJhbGciOiJIUzI1NiIsImtpZCI6ImhzIiwidHlwIjoiSldUIn0."
              "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3"
              "MDAwMDAzMDB9.lkmHmAOmZCq_31hdyEi_3Wl3chL7d8Gu7H_qVnkNWpU"},
    {"HS384", "eyJhbGciOiJIUzM4NCIsImtpZCI6ImhzIiwidHlwIjoiSldUIn0."
              "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3"
              "MDAwMDAzMDB9.nitX6y6TfbU_qi7h1LxYxWYYqrjiTYH8ZC-6-W2gKBfQUQOWdpyuahVAzNeozp39"},
    {"HS512",
     "eyJhbGciOiJIUzUxMiIsImtpZCI6ImhzIiwidHlwIjoiSldUIn0."
     "eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwiYXVkIjoiYXBpIiwic3ViIjoicHkiLCJleHAiOjE3MDAwMDAzM"
     "DB9.acTNgtzPN-FKfrB5uZuePVOMfBnRQj15D266Miwe-N8iZRGHEO7dwau85ACX8hLqFT_lEXLcDMo07qSSCLq51w"},
};
