"""The register of States: the subscribing States of the joint statement, and others."""
