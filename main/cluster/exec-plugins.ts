/** Install hints for the exec credential plugins kubeconfigs commonly name (shown when one is missing). */
const HINTS: Record<string, string> = {
  aws: 'Install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
  'aws-iam-authenticator': 'Install aws-iam-authenticator: https://github.com/kubernetes-sigs/aws-iam-authenticator',
  'gke-gcloud-auth-plugin':
    'Install it with `gcloud components install gke-gcloud-auth-plugin` (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl)',
  gcloud: 'Install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install',
  kubelogin: 'Install kubelogin (Azure): `az aks install-cli` or https://azure.github.io/kubelogin/install.html',
  'kubectl-oidc_login': 'Install the oidc-login plugin: `kubectl krew install oidc-login`',
  kubectl: 'Install kubectl: https://kubernetes.io/docs/tasks/tools/',
  az: 'Install the Azure CLI: https://learn.microsoft.com/cli/azure/install-azure-cli',
  doctl: 'Install doctl: https://docs.digitalocean.com/reference/doctl/how-to/install/',
  oci: 'Install the OCI CLI: https://docs.oracle.com/iaas/Content/API/SDKDocs/cliinstall.htm',
  'ibmcloud': 'Install the IBM Cloud CLI: https://cloud.ibm.com/docs/cli',
};

/** The kubeconfig's own installHint wins; otherwise a known hint by the command's base name. */
export function installHintFor(command: string, kubeconfigHint?: string): string | undefined {
  if (kubeconfigHint && kubeconfigHint.trim()) return kubeconfigHint.trim();
  const base = command.split(/[\\/]/).pop()!.replace(/\.(exe|cmd|bat)$/i, '');
  return HINTS[base];
}
