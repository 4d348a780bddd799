// Every destructive or money-moving action goes through this dialog: it names what will
// happen, can require a reason, and shows the API's error without closing.
import { Box, Button, Modal, Text } from "@saleor/macaw-ui";
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  text?: ReactNode;
  confirmLabel?: string;
  destructive?: boolean;
  requireReason?: boolean;
  /** Extra fields (a grade picker, an amount…) rendered above the reason. */
  children?: ReactNode;
  confirmDisabled?: boolean;
  /** Resolves to an error message to show, or null when done (the dialog then closes). */
  onConfirm: (reason: string) => Promise<string | null>;
  onClose: () => void;
}

export function ConfirmDialog({
  open,
  title,
  text,
  confirmLabel,
  destructive = false,
  requireReason = false,
  children,
  confirmDisabled = false,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  const { t } = useTranslation();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (open) {
      setReason("");
      setError(null);
      setBusy(false);
    }
  }, [open]);

  const missingReason = requireReason && reason.trim() === "";
  const submit = async () => {
    if (missingReason) {
      setError(t("common.reasonRequired"));
      return;
    }
    setBusy(true);
    setError(null);
    const failure = await onConfirm(reason.trim());
    setBusy(false);
    if (failure) setError(failure);
    else onClose();
  };

  return (
    <Modal open={open} onChange={(next) => (next ? undefined : onClose())}>
      <Modal.Content>
        <Box className="dialog" role="alertdialog" aria-modal="true" aria-label={title}>
          <Text size={6} fontWeight="bold">
            {title}
          </Text>
          {text && <Text color="default2">{text}</Text>}
          {children}
          {requireReason && (
            <label className="field">
              {t("common.reason")}
              <textarea
                aria-label={t("common.reason")}
                value={reason}
                rows={3}
                onChange={(event) => setReason(event.target.value)}
              />
            </label>
          )}
          {error && (
            <Text color="critical1" role="alert" data-testid="dialog-error">
              {error}
            </Text>
          )}
          <div className="row" style={{ justifyContent: "flex-end" }}>
            <Button variant="secondary" onClick={onClose} disabled={busy}>
              {t("common.cancel")}
            </Button>
            <Button
              variant={destructive ? "error" : "primary"}
              onClick={submit}
              disabled={busy || confirmDisabled}
              data-testid="confirm"
            >
              {confirmLabel ?? t("common.confirm")}
            </Button>
          </div>
        </Box>
      </Modal.Content>
    </Modal>
  );
}
