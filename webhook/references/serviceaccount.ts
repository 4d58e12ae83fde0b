// Where a Pod finds its service account's token and CA (the in-cluster credentials).
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
