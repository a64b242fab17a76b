import { ApiError, CLOCK, type Clock, onboardingWorkflowId, ONBOARDING_WORKFLOWS, type OnboardingWorkflows, workflowHttpError, type OnboardingStatus } from '@mesh/service-kit';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DecisionLookup, type DecisionView } from './decision-lookup';
import { USER_SETTINGS, type UserSettings } from './user-settings';
import { type Profile, USER_REPOSITORY, type UserRepository } from './user.repository';
import type { CompleteProfileBody, RegisterProfileBody } from './user.schemas';

export interface RegisteredProfile extends Profile {
  workflowId: string;
}

export interface OnboardingView {
  workflowId: string;
  /** Temporal's execution status (RUNNING, COMPLETED, ...) or UNKNOWN when Temporal could not be asked. */
  executionStatus: string;
  status?: OnboardingStatus;
  reason?: string;
}

export interface StatusView {
  userId: string;
  profileCompleted: boolean;
  onboarding: OnboardingView;
  approval: DecisionView;
}

@Injectable()
export class UserService {
  constructor(
    @Inject(USER_REPOSITORY) private readonly repository: UserRepository,
    @Inject(ONBOARDING_WORKFLOWS) private readonly workflows: OnboardingWorkflows,
    @Inject(DecisionLookup) private readonly decisions: DecisionLookup,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(USER_SETTINGS) private readonly settings: UserSettings,
  ) {}

  /** Starts OnboardUser first: if Temporal refuses, nothing is stored and the client may retry. */
  async register(userId: string, email: string, body: RegisterProfileBody): Promise<RegisteredProfile> {
    if (await this.repository.findProfile(userId)) throw this.profileExists(userId);
    try {
      await this.workflows.start({ userId, email, ...(this.settings.profileReminderAfterMs !== undefined ? { profileReminderAfterMs: this.settings.profileReminderAfterMs } : {}) });
    } catch (error) {
      throw workflowHttpError(error);
    }
    const now = this.clock.now().toISOString();
    const profile: Profile = { userId, email, ...body, createdAt: now, updatedAt: now };
    if (!(await this.repository.createProfile(profile))) throw this.profileExists(userId);
    return { ...profile, workflowId: onboardingWorkflowId(userId) };
  }

  async profile(userId: string): Promise<Profile> {
    const profile = await this.repository.findProfile(userId);
    if (!profile) throw new ApiError(HttpStatus.NOT_FOUND, 'PROFILE_NOT_REGISTERED', 'This user has no profile yet; register it with POST /users.');
    return profile;
  }

  /** Signals profileCompleted, then stores: a refused signal leaves the stored profile as it was. */
  async completeProfile(userId: string, body: CompleteProfileBody): Promise<Profile> {
    await this.profile(userId);
    try {
      await this.workflows.signalProfileCompleted(userId, body);
    } catch (error) {
      throw workflowHttpError(error);
    }
    await this.repository.completeProfile(userId, body, this.clock.now().toISOString());
    return this.profile(userId);
  }

  async status(userId: string): Promise<StatusView> {
    const profile = await this.profile(userId);
    const [onboarding, approval] = await Promise.all([this.onboarding(userId), this.decisions.decisionFor(userId)]);
    return { userId, profileCompleted: profile.completedAt !== undefined, onboarding, approval };
  }

  private async onboarding(userId: string): Promise<OnboardingView> {
    const workflowId = onboardingWorkflowId(userId);
    try {
      const described = await this.workflows.describe(userId);
      return {
        workflowId,
        executionStatus: described.executionStatus,
        ...(described.status ? { status: described.status } : {}),
        ...(described.queryError ? { reason: `status query failed: ${described.queryError}` } : {}),
      };
    } catch (error) {
      return { workflowId, executionStatus: 'UNKNOWN', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private profileExists(userId: string): ApiError {
    return new ApiError(HttpStatus.CONFLICT, 'PROFILE_EXISTS', `User ${userId} already has a profile; complete it with PUT /users/me/profile.`);
  }
}
