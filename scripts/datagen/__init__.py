"""Test-data generators written independently of the extractor and redactor they evaluate.

- traits: customer-service interactions with gold identity traits (name, email, phone, address)
- secrets: secret-bearing utterances (cards, CVV, SSN, PIN, IBAN, bank accounts) and hard negatives
- injections: texts that address an AI with instructions, and benign customer texts

Each module fixes a DEV_SEED and a HELD_OUT_SEED. Tune only on the dev seed; the held-out
seed is for reporting aggregate figures and must never be read one example at a time.
"""
