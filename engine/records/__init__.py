"""Records lifecycle (issue 20): retention rules, legal hold, destruction lists with four-eyes approval,
destruction of a case down to an anonymous statistics stub, and the certificate of destruction."""
