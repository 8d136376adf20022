"""What is kept between runs: settings, API keys, the call ledger, stored responses, Redis."""
