/** Simulated users: the personas every user-facing task family speaks through. */
export {
  PERSONA_IDS,
  PERSONAS,
  FILLERS,
  CLOSING,
  NOT_UNDERSTOOD,
  NON_ANSWER,
  createVoice,
  getPersona,
  isPersona,
  personaVocabulary,
  replyCore,
  replyParts,
} from './personas';
export type { Answer, Persona, PersonaId, Said, Voice } from './personas';
